// What the Minio SDK would do as the worker's S3 blob store, on the operations the storage module needs:
// a 1 GiB upload of unknown length (a chunked request body), the download, and a ranged download (HTTP
// Range, used by video players and resumable downloads). Prints time and peak memory for each step.
// Usage: MinioProbe <s3 port> <bytes>
using System.Diagnostics;
using System.Globalization;
using Minio;
using Minio.DataModel.Args;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var size = long.Parse(args[1], CultureInfo.InvariantCulture);
var client = new MinioClient().WithEndpoint("127.0.0.1", port).WithCredentials("S3RVER", "S3RVER").WithSSL(false).Build();
await client.MakeBucketAsync(new MakeBucketArgs().WithBucket("probe"));
Console.WriteLine($"start:        peak {PeakMiB()} MiB");

var watch = Stopwatch.StartNew();
await client.PutObjectAsync(new PutObjectArgs().WithBucket("probe").WithObject("big").WithStreamData(new Generated(size))
    .WithObjectSize(-1).WithContentType("application/octet-stream"));
Console.WriteLine($"upload:       {size >> 20} MiB of unknown length in {watch.Elapsed.TotalSeconds:F1} s, peak {PeakMiB()} MiB");

watch.Restart();
var read = await ReadAsync(new GetObjectArgs().WithBucket("probe").WithObject("big"));
Console.WriteLine($"download:     {read >> 20} MiB in {watch.Elapsed.TotalSeconds:F1} s, peak {PeakMiB()} MiB");

try
{
    read = await ReadAsync(new GetObjectArgs().WithBucket("probe").WithObject("big").WithOffsetAndLength(100, 1000));
    Console.WriteLine($"ranged read:  {read} bytes (asked 1000)");
}
catch (Exception e)
{
    Console.WriteLine($"ranged read:  FAILED with {e.GetType().Name} ({e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Minio", StringComparison.Ordinal))?.Trim()})");
}

return 0;

async Task<long> ReadAsync(GetObjectArgs get)
{
    long total = 0;
    await client.GetObjectAsync(get.WithCallbackStream(async (stream, ct) =>
    {
        var buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer, ct)) > 0)
        {
            total += n;
        }
    }));
    return total;
}

static long PeakMiB() =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) >> 10;

/// <summary>A non-seekable stream of <paramref name="size"/> bytes, as a chunked request body is.</summary>
internal sealed class Generated(long size) : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, size - position);
        buffer.AsSpan(offset, n).Fill((byte)(position >> 20));
        position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
