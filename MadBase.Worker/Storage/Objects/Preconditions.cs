using System.Globalization;

namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// The conditional headers of a read, in RFC 9110's order (§13.2.2), as S3 evaluates them: If-Match, else
/// If-Unmodified-Since, failing with 412; then If-None-Match, else If-Modified-Since, answering 304.
/// </summary>
internal static class Preconditions
{
    /// <summary>False when the response is 304 Not Modified; throws PreconditionFailed (412) when a precondition fails.</summary>
    public static bool Hold(HttpRequest request, ObjectMetadata metadata)
    {
        var headers = request.Headers;
        var lastModified = Seconds(metadata.LastModified);
        if (headers.IfMatch.ToString() is { Length: > 0 } ifMatch)
        {
            if (!Matches(ifMatch, metadata.ETag))
            {
                throw PreconditionFailed();
            }
        }
        else if (Date(headers.IfUnmodifiedSince) is { } unmodifiedSince && lastModified > unmodifiedSince)
        {
            throw PreconditionFailed();
        }

        if (headers.IfNoneMatch.ToString() is { Length: > 0 } ifNoneMatch)
        {
            return !Matches(ifNoneMatch, metadata.ETag);
        }

        return Date(headers.IfModifiedSince) is not { } modifiedSince || lastModified > modifiedSince;
    }

    private static StorageError PreconditionFailed() =>
        new(412, "PreconditionFailed", "At least one of the preconditions you specified did not hold.");

    private static bool Matches(string header, string etag) =>
        header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || t == "W/" + etag || t == etag.Trim('"'));

    private static DateTimeOffset? Date(Microsoft.Extensions.Primitives.StringValues header) =>
        DateTimeOffset.TryParseExact(header.ToString(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    // HTTP dates have whole seconds: compare at that precision, or an object would always look newer than its own Last-Modified.
    private static DateTimeOffset Seconds(DateTimeOffset time) => time.AddTicks(-(time.UtcTicks % TimeSpan.TicksPerSecond));
}
