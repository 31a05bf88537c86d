using System.Security.Cryptography;

namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// Wraps an upload body on its way to the blob store: counts bytes, stops the upload with EntityTooLarge
/// the moment the limit is passed (so nothing over the limit is ever stored), and computes the MD5 that
/// becomes the object's ETag, as S3 computes it for a single-part object.
/// </summary>
internal sealed class MeteredUploadStream(Stream inner, long limit) : ReadOnlyStream
{
    private readonly IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    public long BytesRead { get; private set; }

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    /// <summary>The quoted hex MD5 of everything read, valid once the stream is exhausted.</summary>
    public string ETag() => "\"" + Convert.ToHexStringLower(md5.GetHashAndReset()) + "\"";

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Count(buffer.Span[..read]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            md5.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(ReadOnlySpan<byte> read)
    {
        BytesRead += read.Length;
        if (BytesRead > limit)
        {
            throw StorageError.EntityTooLarge();
        }

        md5.AppendData(read);
        return read.Length;
    }
}
