using Microsoft.AspNetCore.WebUtilities;

namespace MadBase.Worker.Storage.Objects;

/// <summary>
/// A multipart body that ends before its closing boundary, or whose part headers are not headers, makes
/// <see cref="MultipartReader"/> throw IOException or InvalidDataException. That is the client's malformed
/// body, storage-api's 400, not a server fault; a connection that failed is told apart by the request
/// being aborted (or Kestrel's own BadHttpRequestException, which the filter renders), and left alone.
/// </summary>
internal static class MalformedMultipart
{
    public static async Task<MultipartSection?> ReadNextSectionAsync(MultipartReader reader, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (Exception e) when (IsMalformed(e, context.RequestAborted))
        {
            throw Error();
        }
    }

    private static bool IsMalformed(Exception e, CancellationToken aborted) =>
        e is InvalidDataException || (e is IOException and not BadHttpRequestException && !aborted.IsCancellationRequested);

    private static StorageError Error() => StorageError.InvalidRequest("malformed multipart body");

    /// <summary>A part's body, read as the upload streams: a body cut off inside the part is malformed the same way.</summary>
    internal sealed class SectionStream(Stream inner, CancellationToken aborted) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (Exception e) when (IsMalformed(e, aborted))
            {
                throw Error();
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (IsMalformed(e, aborted))
            {
                throw Error();
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
