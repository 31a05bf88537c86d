namespace MadBase.Tests.Storage;

/// <summary>A readable stream of <c>length</c> deterministic bytes, generated on the fly (nothing held in memory).</summary>
internal sealed class PatternStream(long length, Func<long, Task>? onProgress = null) : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public static byte ByteAt(long offset) => (byte)((offset * 31 + (offset >> 12)) & 0xFF);

    public static async Task<bool> MatchesAsync(Stream stream, long length)
    {
        var buffer = new byte[81920];
        long offset = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != ByteAt(offset + i))
                {
                    return false;
                }
            }

            offset += read;
        }

        return offset == length;
    }

    public override int Read(byte[] buffer, int offset, int count) => Fill(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (onProgress is not null)
        {
            await onProgress(position);
        }

        return Fill(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Fill(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - position);
        for (var i = 0; i < count; i++)
        {
            buffer[i] = ByteAt(position + i);
        }

        position += count;
        return count;
    }
}
