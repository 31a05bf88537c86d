namespace MadBase.Worker.Storage;

/// <summary>What storage-api accepts as bucket ids and object names (src/storage/limits.ts), plus our blob-key safety.</summary>
internal static class ObjectNames
{
    public static bool IsValidBucketName(string name) =>
        name.Length is > 0 and <= 100
        && !name.Contains('/', StringComparison.Ordinal)
        && name is not ("." or "..")
        && name.All(c => !char.IsControl(c));

    /// <summary>Object names become blob keys: no empty, "." or ".." segments and no control characters.</summary>
    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 1024 || name.Any(char.IsControl))
        {
            throw StorageError.InvalidKey(name ?? string.Empty);
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                throw StorageError.InvalidKey(name);
            }
        }

        return name;
    }

    public static string ValidateBucket(string? bucket) =>
        bucket is not null && IsValidBucketName(bucket) ? bucket : throw StorageError.InvalidBucketName();
}
