using System.Text;
using MadBase.Tests.Infrastructure;
using MadBase.Worker.Storage;
using MadBase.Worker.Storage.Blobs;

namespace MadBase.Tests.Storage;

/// <summary>What every blob store must do, run against the file system and against S3 (s3rver, SigV4 checked).</summary>
public abstract class BlobStoreContractTests
{
    private readonly string prefix = "proj" + Guid.NewGuid().ToString("N")[..8];

    internal abstract IBlobStore Store { get; }

    [Fact]
    public async Task Write_ThenRead_SameBytesAndSize()
    {
        var key = Key("bucket/folder/file.txt");
        var written = await Store.WriteAsync(key, Text("hello blob"), "text/plain", CancellationToken.None);
        Assert.Equal(10, written);
        Assert.Equal("hello blob", await ReadAsync(key, 0, 10));
    }

    [Fact]
    public async Task Read_Range_ReturnsSlice()
    {
        var key = Key("bucket/digits");
        await Store.WriteAsync(key, Text("0123456789"), "text/plain", CancellationToken.None);
        Assert.Equal("3456", await ReadAsync(key, 3, 4));
        Assert.Equal("89", await ReadAsync(key, 8, 2));
    }

    [Fact]
    public async Task Read_Missing_ReturnsNull()
    {
        Assert.Null(await Store.OpenReadAsync(Key("bucket/none"), 0, long.MaxValue, CancellationToken.None));
    }

    [Fact]
    public async Task Write_LargerThanOnePart_StreamsInPartsIntact()
    {
        const long size = 12L * 1024 * 1024;
        var key = Key("bucket/large.bin");
        Assert.Equal(size, await Store.WriteAsync(key, new PatternStream(size), "application/octet-stream", CancellationToken.None));
        await using var stream = await Store.OpenReadAsync(key, 0, size, CancellationToken.None);
        Assert.NotNull(stream);
        Assert.True(await PatternStream.MatchesAsync(stream, size));
    }

    [Fact]
    public async Task Write_SourceFailsMidway_LeavesNothing()
    {
        var key = Key("bucket/broken.bin");
        var failing = new PatternStream(12L * 1024 * 1024, sent => sent > 7L * 1024 * 1024 ? throw new IOException("client went away") : Task.CompletedTask);
        // The SDK may wrap the source's error; what matters is that the write fails and leaves nothing.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Store.WriteAsync(key, failing, "application/octet-stream", CancellationToken.None));
        Assert.Contains("client went away", error.ToString(), StringComparison.Ordinal);
        Assert.Null(await Store.OpenReadAsync(key, 0, long.MaxValue, CancellationToken.None));
        Assert.Empty(await ListAsync(prefix + "/"));
    }

    [Fact]
    public async Task Write_OverLimit_EntityTooLargeAndNothingStored()
    {
        var key = Key("bucket/too-big.bin");
        await using var metered = new MeteredUploadStream(new PatternStream(6L * 1024 * 1024), 6L * 1024 * 1024 - 1);
        var error = await Assert.ThrowsAsync<StorageError>(() => Store.WriteAsync(key, metered, "application/octet-stream", CancellationToken.None));
        Assert.Equal("EntityTooLarge", error.Code);
        Assert.Null(await Store.OpenReadAsync(key, 0, long.MaxValue, CancellationToken.None));
    }

    [Fact]
    public async Task CopyListDelete_KeysFollow()
    {
        var source = Key("bucket/a/source.txt");
        var copy = Key("other/b c/copy?.txt");
        await Store.WriteAsync(source, Text("copied"), "text/plain", CancellationToken.None);
        await Store.CopyAsync(source, copy, CancellationToken.None);
        Assert.Equal("copied", await ReadAsync(copy, 0, 6));
        Assert.Equal([source, copy], (await ListAsync(prefix + "/")).Order(StringComparer.Ordinal).ToArray());

        await Store.DeleteAsync([source, copy], CancellationToken.None);
        Assert.Null(await Store.OpenReadAsync(source, 0, long.MaxValue, CancellationToken.None));
        Assert.Empty(await ListAsync(prefix + "/"));
    }

    [Fact]
    public async Task Write_SameKeyTwice_LastWins()
    {
        var key = Key("bucket/twice");
        await Store.WriteAsync(key, Text("first"), "text/plain", CancellationToken.None);
        await Store.WriteAsync(key, Text("second"), "text/plain", CancellationToken.None);
        Assert.Equal("second", await ReadAsync(key, 0, 6));
    }

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    private string Key(string rest) => prefix + "/" + rest;

    private async Task<string> ReadAsync(string key, long offset, long length)
    {
        await using var stream = await Store.OpenReadAsync(key, offset, length, CancellationToken.None);
        Assert.NotNull(stream);
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    private async Task<List<string>> ListAsync(string listPrefix)
    {
        var keys = new List<string>();
        await foreach (var entry in Store.ListAsync(listPrefix, CancellationToken.None))
        {
            keys.Add(entry.Key);
        }

        return keys;
    }
}

public sealed class FileSystemBlobStoreTests : BlobStoreContractTests, IDisposable
{
    private readonly TempDirectory root = TempDirectory.Create("mbblob");

    internal override IBlobStore Store => field ??= new FileSystemBlobStore(root.FullPath);

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task Write_KeyEscapingRoot_Refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync("../outside", new MemoryStream([1]), "x/y", CancellationToken.None));
    }
}

[Collection(S3ServerCollection.Name)]
public sealed class S3BlobStoreTests(S3ServerFixture s3) : BlobStoreContractTests, IDisposable
{
    private S3BlobStore? store;

    internal override IBlobStore Store => store ??= new S3BlobStore(new StorageOptions
    {
        Backend = StorageOptions.S3Backend,
        Endpoint = s3.Endpoint,
        AccessKey = S3ServerFixture.AccessKey,
        SecretKey = S3ServerFixture.SecretKey,
        Bucket = "madbase-tests",
        S3PartSizeBytes = 5 * 1024 * 1024,
    });

    public void Dispose() => store?.Dispose();

    [Fact]
    public async Task Write_WrongSecret_RefusedBySignatureCheck()
    {
        using var wrong = new S3BlobStore(new StorageOptions
        {
            Backend = StorageOptions.S3Backend,
            Endpoint = s3.Endpoint,
            AccessKey = S3ServerFixture.AccessKey,
            SecretKey = "not-the-secret",
            Bucket = "madbase-tests-wrong",
        });
        var error = await Assert.ThrowsAnyAsync<Amazon.S3.AmazonS3Exception>(() => wrong.WriteAsync("k", new MemoryStream([1]), "x/y", CancellationToken.None));
        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
    }
}
