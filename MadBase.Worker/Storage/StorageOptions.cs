namespace MadBase.Worker.Storage;

/// <summary>Where the bytes go, per deployment (<c>Storage__*</c>). Secrets come from the environment.</summary>
internal sealed class StorageOptions
{
    public const string FileBackend = "file";
    public const string S3Backend = "s3";

    /// <summary><c>file</c> (the local stack's default) or <c>s3</c>.</summary>
    public string Backend { get; set; } = FileBackend;

    public string FileRoot { get; set; } = "./.madbase-storage";

    /// <summary>S3 endpoint; falls back to the Aspire reference <c>services:minio:api:0</c>.</summary>
    public string? Endpoint { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    public string Bucket { get; set; } = "madbase";

    public string Region { get; set; } = "us-east-1";

    /// <summary>The region S3 clients of <c>/storage/v1/s3</c> must sign for (<c>Storage__S3ProtocolRegion</c>).</summary>
    public string S3ProtocolRegion { get; set; } = "local";

    /// <summary>Bytes per part of an S3 multipart upload; each part is buffered once on its way out.</summary>
    public int S3PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Blobs with no row older than this are removed by the orphan sweep.</summary>
    public int OrphanGraceMinutes { get; set; } = 60;

    public int SweepIntervalMinutes { get; set; } = 10;

    /// <summary>How long a resumable (TUS) upload may take before it is abandoned and swept (storage-api's TUS_URL_EXPIRY_MS: a day).</summary>
    public int ResumableExpiryMinutes { get; set; } = 24 * 60;

    public IEnumerable<string> Validate()
    {
        if (Backend is not (FileBackend or S3Backend))
        {
            yield return $"Storage__Backend must be \"file\" or \"s3\" (got \"{Backend}\")";
        }

        if (Backend == FileBackend && string.IsNullOrWhiteSpace(FileRoot))
        {
            yield return "Storage__FileRoot must name a folder for the file backend";
        }

        if (Backend == S3Backend)
        {
            if (string.IsNullOrWhiteSpace(Endpoint) || !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
            {
                yield return "Storage__Endpoint (or services__minio__api__0) must be an absolute URL for the s3 backend";
            }

            if (string.IsNullOrWhiteSpace(AccessKey))
            {
                yield return "Storage__AccessKey is required for the s3 backend";
            }

            if (string.IsNullOrWhiteSpace(SecretKey))
            {
                yield return "Storage__SecretKey is required for the s3 backend";
            }

            if (string.IsNullOrWhiteSpace(Bucket))
            {
                yield return "Storage__Bucket is required for the s3 backend";
            }
        }

        if (S3PartSizeBytes < 5 * 1024 * 1024)
        {
            yield return "Storage__S3PartSizeBytes must be at least 5 MiB (S3's minimum part size)";
        }

        if (SweepIntervalMinutes < 1)
        {
            yield return "Storage__SweepIntervalMinutes must be at least 1";
        }

        if (ResumableExpiryMinutes < 1)
        {
            yield return "Storage__ResumableExpiryMinutes must be at least 1";
        }

        if (OrphanGraceMinutes < 1)
        {
            yield return "Storage__OrphanGraceMinutes must be at least 1";
        }
    }
}
