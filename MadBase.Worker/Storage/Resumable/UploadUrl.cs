using System.Buffers.Text;
using System.Text;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// An upload's URL as storage-api makes it (lifecycle.ts generateUrl): <c>/upload/resumable[/sign]/</c> and
/// base64url of <c>bucket/object name/version</c>. The project is never in it: it comes from the request,
/// so a URL of one project names nothing in another.
/// </summary>
internal sealed record UploadUrl(string BucketId, string Name, string Version)
{
    public const string Path = "/storage/v1/upload/resumable";
    public const string SignedSuffix = "/sign";

    public string Encoded => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{BucketId}/{Name}/{Version}"));

    /// <summary>The id segment of a request URL; anything that does not decode to bucket, name and version is NotFound.</summary>
    public static UploadUrl Decode(string encoded)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(encoded));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            throw TusProtocol.NotFound();
        }

        var first = text.IndexOf('/', StringComparison.Ordinal);
        var last = text.LastIndexOf('/');
        if (first <= 0 || last <= first + 1 || last == text.Length - 1)
        {
            throw TusProtocol.NotFound();
        }

        return new UploadUrl(text[..first], text[(first + 1)..last], text[(last + 1)..]);
    }

    /// <summary>
    /// The absolute URL the client PATCHes: the host and scheme the client used, which the gateway passes in
    /// X-Forwarded-Host and X-Forwarded-Proto (it sets both, so a client cannot choose them).
    /// </summary>
    public string Location(HttpRequest request, bool signed)
    {
        var host = request.Headers["X-Forwarded-Host"].ToString() is { Length: > 0 } forwarded ? forwarded : request.Host.Value;
        var scheme = request.Headers["X-Forwarded-Proto"].ToString() is { Length: > 0 } proto ? proto : request.Scheme;
        return $"{scheme}://{host}{Path}{(signed ? SignedSuffix : string.Empty)}/{Encoded}";
    }
}
