namespace MadBase.Worker.Storage.Resumable;

/// <summary>A read-only stream of <paramref name="streamCount"/> streams back to back, each opened only when needed and disposed when read.</summary>
internal sealed class ConcatenatedStream(int streamCount, Func<int, CancellationToken, Task<Stream>> open) : Stream
{
    private Stream? current;
    private int next;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (current is null)
            {
                if (next == streamCount)
                {
                    return 0;
                }

                current = await open(next++, cancellationToken);
            }

            var read = await current.ReadAsync(buffer, cancellationToken);
            if (read > 0 || buffer.IsEmpty)
            {
                return read;
            }

            await current.DisposeAsync();
            current = null;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (current is not null)
        {
            await current.DisposeAsync();
            current = null;
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            current?.Dispose();
            current = null;
        }

        base.Dispose(disposing);
    }
}
