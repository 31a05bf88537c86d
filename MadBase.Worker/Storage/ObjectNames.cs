using System.Text;
using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Storage.Blobs;

namespace MadBase.Worker.Storage;

/// <summary>
/// What storage-api accepts as bucket ids and object names (src/storage/limits.ts), plus what every blob
/// backend can hold. The limits are the strictest backend's, applied on all of them, so a name valid on the
/// file system is valid on S3 and the other way round: a path segment is a file or folder name on disk
/// (255 bytes on Linux file systems) and a key is at most 1024 bytes on S3.
/// </summary>
internal static class ObjectNames
{
    public const int MaxSegmentBytes = 255;
    public const int MaxKeyBytes = 1024;

    public static bool IsValidBucketName(string name) =>
        name.Length is > 0 and <= 100
        && !name.Contains('/', StringComparison.Ordinal)
        && name is not ("." or "..")
        && name.All(c => !char.IsControl(c))
        && PostgresText.IsStorable(name)
        && Encoding.UTF8.GetByteCount(name) <= MaxSegmentBytes;

    /// <summary>
    /// Object names become blob keys: no "." or ".." segments, no control characters, and within the limits above.
    /// Empty segments (<c>a///b.txt</c>, a leading or trailing "/") are accepted, as storage-api accepts them.
    /// </summary>
    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Any(char.IsControl) || !PostgresText.IsStorable(name)
            || Encoding.UTF8.GetByteCount(name) > MaxKeyBytes)
        {
            throw StorageError.InvalidKey(Printable(name));
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment is "." or ".." || Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                throw StorageError.InvalidKey(name);
            }
        }

        return name;
    }

    public static string ValidateBucket(string? bucket) =>
        bucket is not null && IsValidBucketName(bucket) ? bucket : throw StorageError.InvalidBucketName();

    /// <summary>
    /// The blob key of a new object version: with the project and bucket in front, a long name can pass S3's
    /// 1024 bytes even when the name alone does not, so the whole key is checked, on every backend.
    /// </summary>
    public static string NewBlobKey(string projectRef, string bucketId, string name, string version)
    {
        var key = BlobKeys.For(projectRef, bucketId, name, version);
        return Encoding.UTF8.GetByteCount(key) <= MaxKeyBytes ? key : throw StorageError.InvalidKey(name);
    }

    // The key is echoed in the error as storage-api does; text that cannot be encoded is left out of it.
    private static string Printable(string? name) =>
        name is null ? string.Empty : PostgresText.IsStorable(name) ? name : "(unprintable)";
}
