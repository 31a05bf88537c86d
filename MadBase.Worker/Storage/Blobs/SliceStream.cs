namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// At most <paramref name="length"/> bytes of a blob opened at an offset: <see cref="IBlobStore.OpenReadAsync"/>
/// promises where a read starts, not that it ends at the length asked for (a file is read to its end).
/// </summary>
internal sealed class SliceStream(Stream inner, long length) : ReadOnlyStream
{
    private long remaining = length;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (remaining <= 0 || buffer.Length == 0)
        {
            return 0;
        }

        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, remaining)], cancellationToken);
        remaining -= read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
