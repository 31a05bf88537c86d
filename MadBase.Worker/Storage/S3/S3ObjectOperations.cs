using System.Text;
using System.Text.Json;
using MadBase.Worker.Storage.Objects;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// PutObject, GetObject/HeadObject, CopyObject, DeleteObject and DeleteObjects: each the Storage module's own
/// upload, download, copy and delete (<see cref="ObjectUpload"/>, <see cref="ObjectDownload"/>, <see cref="ObjectHandlers"/>),
/// with S3's headers and XML around them.
/// </summary>
internal static class S3ObjectOperations
{
    private const string MetaPrefix = "x-amz-meta-";
    private const int MaxDeleteKeys = 1000;

    public static async Task<IResult> PutObjectAsync(StorageServices services, string bucket, string key)
    {
        var request = services.Context.Request;

        // S3 carries user metadata as x-amz-meta-* headers; the upload reads it from x-metadata, as storage-js sends it.
        if (UserMetadataJson(request) is { } metadata)
        {
            request.Headers["x-metadata"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(metadata));
        }
        else
        {
            request.Headers.Remove("x-metadata");
        }

        var target = new UploadTarget(bucket, ObjectNames.Validate(key), Upsert: true, services.Tenant.Caller.Subject, false, "storage.object.upload");
        var (_, stored) = await ObjectUpload.StoreAsync(services, target);
        services.Context.Response.Headers.ETag = stored.ETag;
        return Results.Ok();
    }

    public static async Task<IResult> GetObjectAsync(StorageServices services, string bucket, string key)
    {
        ObjectNames.Validate(key);
        ObjectRow row;
        await using (var transaction = await services.BeginAsync("storage.object.get_authenticated"))
        {
            row = await ObjectRows.FindAsync(transaction, bucket, key, services.Aborted) ?? throw StorageError.NoSuchKey();
            await transaction.CommitAsync(services.Aborted);
        }

        WriteUserMetadata(services.Context.Response, row.UserMetadataJson);
        return await ObjectDownload.SendAsync(services, row);
    }

    public static async Task<IResult> CopyObjectAsync(StorageServices services, string bucket, string key)
    {
        var request = services.Context.Request;
        var (sourceBucket, sourceKey) = CopySource(request);
        var transfer = new TransferRequest(sourceBucket, sourceKey, ObjectNames.ValidateBucket(bucket), ObjectNames.Validate(key));
        var replace = string.Equals(request.Headers["x-amz-metadata-directive"], "REPLACE", StringComparison.OrdinalIgnoreCase)
            ? (request.ContentType is { Length: > 0 } type ? type : "application/octet-stream",
               request.Headers.CacheControl.ToString() is { Length: > 0 } cache ? cache : "no-cache",
               UserMetadataJson(request))
            : ((string, string, string?)?)null;
        var (_, metadata) = await ObjectHandlers.CopyAsync(services, transfer, upsert: true, replace);
        return S3Xml.Result(S3Xml.Element(
            "CopyObjectResult",
            S3Xml.Element("LastModified", S3Xml.Time(metadata.LastModified)),
            S3Xml.Element("ETag", metadata.ETag)));
    }

    /// <summary><c>x-amz-copy-source</c>: <c>[/]bucket/key</c>, URL-encoded, with an optional <c>?versionId</c> ignored.</summary>
    public static (string Bucket, string Key) CopySource(HttpRequest request)
    {
        var source = Uri.UnescapeDataString(request.Headers["x-amz-copy-source"].ToString().Split('?')[0]).TrimStart('/');
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw S3Errors.InvalidArgument("x-amz-copy-source must be <bucket>/<key>");
        }

        return (ObjectNames.ValidateBucket(source[..slash]), ObjectNames.Validate(source[(slash + 1)..]));
    }

    /// <summary>S3 answers 204 whether or not the key existed (or the caller's policies let it go).</summary>
    public static async Task<IResult> DeleteObjectAsync(StorageServices services, string bucket, string key)
    {
        await ObjectHandlers.DeleteAsync(services, bucket, [ObjectNames.Validate(key)]);
        return Results.NoContent();
    }

    public static async Task<IResult> DeleteObjectsAsync(StorageServices services, string bucket)
    {
        var body = await S3Xml.ReadAsync(services.Context.Request, services.Aborted);
        var keys = body.Children("Object").Select(o => o.Child("Key") ?? throw S3Errors.MalformedXml()).ToArray();
        if (body.Name.LocalName != "Delete" || keys.Length is 0 or > MaxDeleteKeys)
        {
            throw S3Errors.MalformedXml();
        }

        foreach (var key in keys)
        {
            ObjectNames.Validate(key);
        }

        var quiet = string.Equals(body.Child("Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var (json, _) = await ObjectHandlers.DeleteAsync(services, bucket, keys);
        using var deleted = JsonDocument.Parse(json);
        var gone = deleted.RootElement.EnumerateArray().Select(o => o.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);

        // A key that was not deleted either never existed or the caller's policies kept it: S3 reports neither
        // case apart from a deletion, except that RLS refusals must not look like success.
        var result = S3Xml.Element("DeleteResult");
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            if (gone.Contains(key))
            {
                if (!quiet)
                {
                    result.Add(S3Xml.Element("Deleted", S3Xml.Element("Key", key)));
                }
            }
            else
            {
                result.Add(S3Xml.Element(
                    "Error",
                    S3Xml.Element("Key", key),
                    S3Xml.Element("Code", "NoSuchKey"),
                    S3Xml.Element("Message", "The object does not exist, or you may not delete it")));
            }
        }

        return S3Xml.Result(result);
    }

    /// <summary>The x-amz-meta-* headers as a JSON object (names lower-cased, prefix dropped), or null when there are none.</summary>
    public static string? UserMetadataJson(HttpRequest request)
    {
        var metadata = request.Headers
            .Where(h => h.Key.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key[MetaPrefix.Length..].ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        return metadata.Count == 0 ? null : JsonSerializer.Serialize(metadata);
    }

    private static void WriteUserMetadata(HttpResponse response, string? json)
    {
        if (json is null)
        {
            return;
        }

        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();

            // Only what HTTP can carry as a header value; the rest stays readable through /object/info.
            if (ForwardableHeader.IsToken(property.Name) && value.All(c => c is >= ' ' and <= '~'))
            {
                response.Headers[MetaPrefix + property.Name] = value;
            }
        }
    }

    private static class ForwardableHeader
    {
        public static bool IsToken(string name) =>
            name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
    }
}
