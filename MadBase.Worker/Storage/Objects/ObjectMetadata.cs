using System.Globalization;
using System.Text.Json;

namespace MadBase.Worker.Storage.Objects;

/// <summary>storage.objects.metadata as storage-api writes it (eTag, size, mimetype, cacheControl, lastModified, …).</summary>
internal sealed record ObjectMetadata(string ETag, long Size, string MimeType, string CacheControl, DateTimeOffset LastModified)
{
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["eTag"] = ETag,
        ["size"] = Size,
        ["mimetype"] = MimeType,
        ["cacheControl"] = CacheControl,
        ["lastModified"] = LastModified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["contentLength"] = Size,
        ["httpStatusCode"] = 200,
    });

    public static ObjectMetadata Parse(string? json, DateTimeOffset fallbackModified)
    {
        if (json is null)
        {
            return new ObjectMetadata("\"\"", 0, "application/octet-stream", "no-cache", fallbackModified);
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new ObjectMetadata(
            root.String("eTag") ?? "\"\"",
            root.TryGetProperty("size", out var size) && size.TryGetInt64(out var bytes) ? bytes : 0,
            root.String("mimetype") ?? "application/octet-stream",
            root.String("cacheControl") ?? "no-cache",
            DateTimeOffset.TryParse(root.String("lastModified"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : fallbackModified);
    }
}
