using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Database;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// The bytes of an upload and what describes them, from either form storage-js sends: a raw body with
/// <c>content-type</c>, <c>cache-control</c> and base64 <c>x-metadata</c> headers, or multipart/form-data
/// with <c>cacheControl</c> and <c>metadata</c> fields before the file part. The file part is never read
/// here: <see cref="Content"/> is the live request stream, positioned at its first byte.
/// </summary>
internal sealed record UploadBody(Stream Content, string ContentType, string CacheControl, string? UserMetadataJson)
{
    private const int MaxFieldBytes = 64 * 1024;

    public static async Task<UploadBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadMultipartAsync(request, mediaType, cancellationToken);
        }

        string? userMetadata = null;
        var header = request.Headers["x-metadata"].ToString();
        if (header.Length > 0)
        {
            try
            {
                userMetadata = ParseUserMetadata(Encoding.UTF8.GetString(Convert.FromBase64String(header)));
            }
            catch (FormatException)
            {
                throw StorageError.InvalidRequest("x-metadata must be base64 encoded JSON");
            }
        }

        var contentType = request.ContentType is { Length: > 0 } type ? type : "application/octet-stream";
        var cacheControl = request.Headers.CacheControl.ToString() is { Length: > 0 } cache ? cache : "no-cache";
        return new UploadBody(request.Body, contentType, cacheControl, userMetadata);
    }

    private static async Task<UploadBody> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue mediaType, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw StorageError.InvalidRequest("multipart body has no boundary");
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = MaxFieldBytes };
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await MalformedMultipart.ReadNextSectionAsync(reader, request.HttpContext, cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
            var isFile = disposition.FileName.HasValue || disposition.FileNameStar.HasValue || name.Length == 0;
            if (isFile)
            {
                var cacheTime = fields.GetValueOrDefault("cacheControl");
                return new UploadBody(
                    new MalformedMultipart.SectionStream(section.Body, request.HttpContext.RequestAborted),
                    section.ContentType is { Length: > 0 } type ? type : "text/plain;charset=UTF-8",
                    string.IsNullOrEmpty(cacheTime) ? "no-cache" : "max-age=" + cacheTime,
                    fields.TryGetValue("metadata", out var metadata) && metadata.Length > 0 ? ParseUserMetadata(metadata) : null);
            }

            using var field = new StreamReader(new MalformedMultipart.SectionStream(section.Body, request.HttpContext.RequestAborted), Encoding.UTF8);
            var buffer = new char[MaxFieldBytes];
            var length = await field.ReadBlockAsync(buffer, cancellationToken);
            fields[name] = new string(buffer, 0, length);
        }

        throw StorageError.InvalidRequest("No content provided");
    }

    /// <summary>User metadata as JSON object text Postgres can store, or InvalidRequest.</summary>
    public static string ParseUserMetadata(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw StorageError.InvalidRequest("metadata must be a JSON object");
            }

            if (!PostgresText.IsStorable(document.RootElement))
            {
                throw StorageError.InvalidRequest("metadata: " + PostgresText.Refusal);
            }

            return document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            throw StorageError.InvalidRequest("metadata must be a JSON object");
        }
    }
}
