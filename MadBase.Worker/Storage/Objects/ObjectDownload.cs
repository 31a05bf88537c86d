using System.Buffers;
using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// Sends an object's bytes straight from the blob store to the response: ETag/Last-Modified, the conditional
/// headers (<see cref="Preconditions"/>), one byte range (206), <c>?download</c> as Content-Disposition. The row is read
/// and committed first, so a download never holds a database connection while streaming.
/// </summary>
internal static class ObjectDownload
{
    public static async Task<IResult> AuthenticatedAsync([AsParameters] StorageServices services, string bucket, string path) =>
        await SendAsync(services, await FindAuthenticatedAsync(services, bucket, path));

    public static async Task<IResult> PublicAsync([AsParameters] StorageServices services, string bucket, string path) =>
        await SendAsync(services, await FindPublicAsync(services, bucket, path));

    /// <summary>The object's row as the caller's policies let it be read, committed before any byte is sent.</summary>
    public static async Task<ObjectRow> FindAuthenticatedAsync(StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        await using var transaction = await services.BeginAsync("storage.object.get_authenticated");
        var row = await ObjectRows.FindAsync(transaction, bucket, path, services.Aborted) ?? throw StorageError.NoSuchKey();
        await transaction.CommitAsync(services.Aborted);
        return row;
    }

    /// <summary>The object's row when its bucket is public, whoever asks.</summary>
    public static async Task<ObjectRow> FindPublicAsync(StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        await using var transaction = await services.BeginAsync("storage.object.get_public", asServiceRole: true);
        var limits = await Buckets.Buckets.FindLimitsAsync(transaction, bucket, services.Aborted);
        if (limits is not { Public: true })
        {
            throw StorageError.NoSuchBucket();
        }

        var row = await ObjectRows.FindAsync(transaction, bucket, path, services.Aborted) ?? throw StorageError.NoSuchKey();
        await transaction.CommitAsync(services.Aborted);
        return row;
    }

    public static async Task<IResult> SendAsync(StorageServices services, ObjectRow row)
    {
        var metadata = row.Metadata;
        var request = services.Context.Request;
        var response = services.Context.Response;
        var headOnly = HttpMethods.IsHead(request.Method);

        response.Headers.ETag = metadata.ETag;
        response.Headers.LastModified = metadata.LastModified.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.CacheControl = metadata.CacheControl;
        response.Headers.AcceptRanges = "bytes";
        SetAttachment(services.Context, row);

        if (!Preconditions.Hold(request, metadata))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Results.Empty;
        }

        long offset = 0;
        var length = metadata.Size;
        var status = StatusCodes.Status200OK;
        if (request.Headers.Range.ToString() is { Length: > 0 } rangeHeader)
        {
            var range = ByteRange.Parse(rangeHeader, metadata.Size);
            if (range is null)
            {
                response.Headers.ContentRange = $"bytes */{metadata.Size}";
                throw StorageError.InvalidRange();
            }

            (offset, length) = range.Value;
            status = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{metadata.Size}";
        }

        response.ContentType = metadata.MimeType;
        response.ContentLength = length;
        if (headOnly)
        {
            response.StatusCode = status;
            return Results.Empty;
        }

        await using var blob = await services.Blobs.OpenReadAsync(row.BlobKey(services.Project.Ref), offset, length, services.Aborted)
            ?? throw StorageError.NoSuchKey();
        response.StatusCode = status;
        await CopyExactlyAsync(blob, response.Body, length, services.Aborted);
        return Results.Empty;
    }

    /// <summary><c>?download</c> (or <c>?download=name</c>): a Content-Disposition that makes browsers save the file.</summary>
    public static void SetAttachment(HttpContext context, ObjectRow row)
    {
        if (context.Request.Query.TryGetValue("download", out var download))
        {
            var fileName = download.ToString() is { Length: > 0 } named ? named : row.Name[(row.Name.LastIndexOf('/') + 1)..];
            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(fileName);
            context.Response.Headers.ContentDisposition = disposition.ToString();
        }
    }

    private static async Task CopyExactlyAsync(Stream source, Stream destination, long length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
                if (read == 0)
                {
                    throw new IOException("blob ended before its recorded size");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                StorageMetrics.Sent(read);
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A single <c>bytes=</c> range (start-end, start-, -suffix) against an object's size.</summary>
internal static class ByteRange
{
    public static (long Offset, long Length)? Parse(string header, long size)
    {
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }

        var startText = spec[..dash];
        var endText = spec[(dash + 1)..];
        if (startText.Length == 0)
        {
            if (!long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0 || size == 0)
            {
                return null;
            }

            suffix = Math.Min(suffix, size);
            return (size - suffix, suffix);
        }

        if (!long.TryParse(startText, NumberStyles.None, CultureInfo.InvariantCulture, out var start) || start >= size)
        {
            return null;
        }

        var end = size - 1;
        if (endText.Length > 0)
        {
            if (!long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return null;
            }

            end = Math.Min(end, size - 1);
        }

        return (start, end - start + 1);
    }
}
