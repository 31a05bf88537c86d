using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// The payload of an <c>aws-chunked</c> body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and the *-TRAILER variants the
/// SDKs send for PutObject and UploadPart), decoded as it is read: <c>&lt;hex size&gt;[;chunk-signature=&lt;sig&gt;]\r\n&lt;bytes&gt;\r\n</c>
/// … a zero-size chunk, then optional trailers. Signed chunks are checked one by one, each signature chained to
/// the previous (the first to the request's); a bad one fails the read, so the upload stops and stores nothing.
/// Only one chunk header and a small buffer are held at a time, never the object.
/// </summary>
internal sealed class AwsChunkedStream(Stream inner, ChunkSigning? signing, long? decodedLength) : ReadOnlyStream
{
    private const int MaxLine = 4096;
    private static readonly string EmptyHash = SignatureV4.Hex(SHA256.HashData([]));

    private readonly byte[] buffer = new byte[64 * 1024];
    private readonly IncrementalHash? chunkHash = signing is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int start;
    private int end;
    private long remaining;
    private long total;
    private string? chunkSignature;
    private string? previousSignature = signing?.SeedSignature;
    private bool finished;

    public override long Position { get => total; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (finished || destination.Length == 0)
        {
            return 0;
        }

        if (remaining == 0 && !await NextChunkAsync(cancellationToken))
        {
            return 0;
        }

        if (start == end && !await FillAsync(cancellationToken))
        {
            throw S3Errors.IncompleteBody();
        }

        var count = (int)Math.Min(Math.Min(destination.Length, end - start), remaining);
        buffer.AsMemory(start, count).CopyTo(destination);
        chunkHash?.AppendData(buffer, start, count);
        start += count;
        remaining -= count;
        total += count;
        if (remaining == 0)
        {
            await EndChunkAsync(cancellationToken);
        }

        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            chunkHash?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads the next chunk header; false after the final (zero-size) chunk and its trailers.</summary>
    private async Task<bool> NextChunkAsync(CancellationToken cancellationToken)
    {
        var header = await ReadLineAsync(cancellationToken);
        var semicolon = header.IndexOf(';', StringComparison.Ordinal);
        var sizeText = semicolon < 0 ? header : header[..semicolon];
        if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
        {
            throw S3Errors.InvalidRequest("malformed aws-chunked body: bad chunk size");
        }

        const string signatureField = "chunk-signature=";
        chunkSignature = semicolon >= 0 && header[(semicolon + 1)..] is var extension && extension.StartsWith(signatureField, StringComparison.Ordinal)
            ? extension[signatureField.Length..]
            : null;
        if (signing is not null && chunkSignature is null)
        {
            throw S3Errors.SignatureDoesNotMatch();
        }

        if (size > 0)
        {
            remaining = size;
            return true;
        }

        // The final chunk: its signature covers no bytes; then trailers (checksums), up to an empty line.
        VerifyChunk();
        while ((await ReadLineAsync(cancellationToken)).Length > 0)
        {
        }

        finished = true;
        if (decodedLength is { } expected && expected != total)
        {
            throw S3Errors.IncompleteBody();
        }

        return false;
    }

    private async Task EndChunkAsync(CancellationToken cancellationToken)
    {
        if ((await ReadLineAsync(cancellationToken)).Length != 0)
        {
            throw S3Errors.InvalidRequest("malformed aws-chunked body: chunk longer than its size");
        }

        VerifyChunk();
    }

    private void VerifyChunk()
    {
        if (signing is null || chunkHash is null)
        {
            return;
        }

        var dataHash = SignatureV4.Hex(chunkHash.GetHashAndReset());
        var stringToSign = $"AWS4-HMAC-SHA256-PAYLOAD\n{signing.AmzDate}\n{signing.Scope}\n{previousSignature}\n{EmptyHash}\n{dataHash}";
        var expected = SignatureV4.Sign(signing.Key, stringToSign);
        if (!SignatureV4.Matches(expected, chunkSignature!))
        {
            throw S3Errors.SignatureDoesNotMatch();
        }

        previousSignature = expected;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (start == end && !await FillAsync(cancellationToken))
            {
                throw S3Errors.IncompleteBody();
            }

            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            var stop = newline < 0 ? end : newline;
            line.Append(Encoding.ASCII.GetString(buffer, start, stop - start));
            start = newline < 0 ? end : newline + 1;
            if (line.Length > MaxLine)
            {
                throw S3Errors.InvalidRequest("malformed aws-chunked body: header line too long");
            }

            if (newline >= 0)
            {
                return line.ToString().TrimEnd('\r');
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        start = 0;
        end = await inner.ReadAsync(buffer, cancellationToken);
        return end > 0;
    }
}

/// <summary>What checking signed chunks needs: the request's signing key, scope, date and seed signature.</summary>
internal sealed record ChunkSigning(byte[] Key, string Scope, string AmzDate, string SeedSignature);
