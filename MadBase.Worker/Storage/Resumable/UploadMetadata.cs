using System.Text;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// The <c>Upload-Metadata</c> header of a TUS creation: comma-separated <c>key base64(value)</c> pairs. storage-api
/// reads bucketName, objectName, contentType, cacheControl (seconds) and metadata (a JSON object).
/// </summary>
internal sealed record UploadMetadata(string BucketName, string ObjectName, string ContentType, string CacheControl, string? UserMetadataJson)
{
    public static UploadMetadata Parse(string header)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 2 || !pairs.TryAdd(parts[0], parts.Length == 2 ? Decode(parts[1]) : string.Empty))
            {
                throw Invalid();
            }
        }

        if (!pairs.TryGetValue("bucketName", out var bucket) || !pairs.TryGetValue("objectName", out var name))
        {
            throw new StorageError(400, "InvalidUploadId", "Upload-Metadata must name bucketName and objectName");
        }

        // As storage-api's onCreate: a number of seconds becomes max-age, anything else no-cache.
        var cacheControl = pairs.GetValueOrDefault("cacheControl") is { Length: > 0 } seconds && seconds.TrimStart('-').All(char.IsAsciiDigit)
            ? "max-age=" + seconds
            : "no-cache";
        var userMetadata = pairs.GetValueOrDefault("metadata") is { Length: > 0 } json ? Objects.UploadBody.ParseUserMetadata(json) : null;
        return new UploadMetadata(
            ObjectNames.ValidateBucket(bucket),
            ObjectNames.Validate(name),
            pairs.GetValueOrDefault("contentType") is { Length: > 0 } type ? type : "application/octet-stream",
            cacheControl,
            userMetadata);
    }

    private static string Decode(string base64)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            throw Invalid();
        }
    }

    private static StorageError Invalid() => new(400, "InvalidParameter", "Invalid Upload-Metadata header");
}
