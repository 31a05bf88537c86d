using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using MadBase.Worker.Storage.Objects;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// ListObjectsV2 (<c>?list-type=2</c>: prefix, delimiter, max-keys, continuation-token, start-after) and ListObjects
/// (marker), one page of <see cref="ObjectListing.ReadV2Async"/> under the caller's RLS. Folders are common prefixes
/// under '/', the only delimiter storage's names know (storage-api's S3 has the same rule).
/// </summary>
internal static class S3Listing
{
    public static async Task<IResult> ListAsync(StorageServices services, string bucket)
    {
        var query = services.Context.Request.Query;
        var v2 = query["list-type"].ToString() == "2";
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        if (delimiter is not ("" or "/"))
        {
            throw S3Errors.InvalidArgument("only '/' is supported as delimiter");
        }

        var maxKeys = 1000;
        if (query.ContainsKey("max-keys") && (!int.TryParse(query["max-keys"], NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys < 0))
        {
            throw S3Errors.InvalidArgument("max-keys must be a non-negative integer");
        }

        maxKeys = Math.Min(maxKeys, 1000);
        var token = query["continuation-token"].ToString();
        var startAfter = v2 ? query["start-after"].ToString() : query["marker"].ToString();
        var after = token.Length > 0 ? DecodeToken(token) : startAfter;
        var urlEncoded = query["encoding-type"].ToString() == "url";

        // Whether the bucket exists is read as storage-api reads bucket limits, as superuser: a user whose policies
        // show no bucket rows may still list the objects they can see in it.
        await using (var lookup = await services.BeginAsync("storage.object.list", asServiceRole: true))
        {
            if (await Buckets.Buckets.FindLimitsAsync(lookup, bucket, services.Aborted) is null)
            {
                throw StorageError.NoSuchBucket();
            }
        }

        List<V2Entry> entries = [];
        if (maxKeys > 0)
        {
            await using var transaction = await services.BeginAsync("storage.object.list");
            entries = await ObjectListing.ReadV2Async(transaction, bucket, prefix, delimiter.Length > 0, after, maxKeys + 1, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        var truncated = entries.Count > maxKeys;
        var page = entries.Take(maxKeys).ToList();
        string Name(string text) => urlEncoded ? Uri.EscapeDataString(text).Replace("%2F", "/", StringComparison.Ordinal) : text;

        var result = S3Xml.Element(
            "ListBucketResult",
            S3Xml.Element("Name", bucket),
            S3Xml.Element("Prefix", Name(prefix)),
            delimiter.Length > 0 ? S3Xml.Element("Delimiter", delimiter) : null,
            S3Xml.Element("MaxKeys", maxKeys),
            S3Xml.Element("IsTruncated", truncated ? "true" : "false"),
            urlEncoded ? S3Xml.Element("EncodingType", "url") : null);
        if (v2)
        {
            result.Add(S3Xml.Element("KeyCount", page.Count));
            result.Add(token.Length > 0 ? S3Xml.Element("ContinuationToken", token) : null);
            result.Add(startAfter.Length > 0 ? S3Xml.Element("StartAfter", Name(startAfter)) : null);
            result.Add(truncated ? S3Xml.Element("NextContinuationToken", EncodeToken(page[^1].Key)) : null);
        }
        else
        {
            result.Add(S3Xml.Element("Marker", Name(startAfter)));
            result.Add(truncated ? S3Xml.Element("NextMarker", Name(page[^1].Key)) : null);
        }

        result.Add(page.Where(e => !e.IsFolder).Select(e => Contents(e, Name)));
        result.Add(page.Where(e => e.IsFolder).Select(e => S3Xml.Element("CommonPrefixes", S3Xml.Element("Prefix", Name(e.Key)))));
        return S3Xml.Result(result);
    }

    private static XElement Contents(V2Entry entry, Func<string, string> name)
    {
        var item = entry.Object!.Value;
        var metadata = ObjectMetadata.Parse(
            item.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m.GetRawText() : null,
            item.GetProperty("updated_at").GetDateTimeOffset());
        return S3Xml.Element(
            "Contents",
            S3Xml.Element("Key", name(entry.Key)),
            S3Xml.Element("LastModified", S3Xml.Time(metadata.LastModified)),
            S3Xml.Element("ETag", metadata.ETag),
            S3Xml.Element("Size", metadata.Size),
            S3Xml.Element("StorageClass", "STANDARD"));
    }

    private static string EncodeToken(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw S3Errors.InvalidArgument("The continuation token provided is incorrect");
        }
    }
}
