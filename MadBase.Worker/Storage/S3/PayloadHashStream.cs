using System.Security.Cryptography;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// A body whose SHA-256 the client signed (<c>x-amz-content-sha256: &lt;hex&gt;</c>): hashed as it streams through,
/// and refused at its end if the hash differs, before the reader sees end of stream, so the upload it feeds
/// fails and stores nothing.
/// </summary>
internal sealed class PayloadHashStream(Stream inner, string expectedHex) : ReadOnlyStream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool checkedEnd;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(destination, cancellationToken);
        if (read > 0)
        {
            hash.AppendData(destination.Span[..read]);
        }
        else if (!checkedEnd)
        {
            checkedEnd = true;
            if (!SignatureV4.Matches(SignatureV4.Hex(hash.GetHashAndReset()), expectedHex))
            {
                throw S3Errors.BadDigest();
            }
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
