using System.Globalization;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// The TUS 1.0 headers storage-api's @tus/server reads and writes, and the protocol errors it answers with
/// their status and text body (@tus/server's ERRORS).
/// </summary>
internal static class TusProtocol
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,termination,expiration";
    public const string OffsetContentType = "application/offset+octet-stream";

    public const string Resumable = "Tus-Resumable";
    public const string UploadLength = "Upload-Length";
    public const string UploadOffset = "Upload-Offset";
    public const string UploadMetadata = "Upload-Metadata";
    public const string UploadExpires = "Upload-Expires";

    /// <summary>Every request but OPTIONS names the protocol version it speaks; we speak only 1.0.0.</summary>
    public static void RequireVersion(HttpRequest request)
    {
        if (request.Headers[Resumable].ToString() != Version)
        {
            throw new StorageError(412, "TusError", "Unsupported version");
        }
    }

    /// <summary>A non-negative byte count header, or the 400 @tus/server answers.</summary>
    public static long ReadLength(HttpRequest request, string header)
    {
        var text = request.Headers[header].ToString();
        if (text.Length == 0 && header == UploadLength && request.Headers.ContainsKey("Upload-Defer-Length"))
        {
            throw new StorageError(400, "TusError", "Upload-Defer-Length is not supported: send Upload-Length");
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StorageError(400, "TusError", $"{header} header required (a non-negative integer)");
    }

    public static void WriteCommonHeaders(HttpResponse response, DateTimeOffset? expires = null)
    {
        response.Headers[Resumable] = Version;
        response.Headers.CacheControl = "no-store";
        if (expires is { } at)
        {
            response.Headers[UploadExpires] = at.ToString("R", CultureInfo.InvariantCulture);
        }
    }

    public static StorageError MaximumSizeExceeded() => new(413, "EntityTooLarge", "Maximum size exceeded");

    public static StorageError NotFound() => new(404, "NoSuchUpload", "Upload not found");

    public static StorageError Expired() => new(410, "NoSuchUpload", "The file for this url no longer exists");

    public static StorageError OffsetConflict() => new(409, "TusError", "Upload-Offset conflict");

    public static StorageError Locked() => new(423, "ResourceLocked", "The resource is locked");
}
