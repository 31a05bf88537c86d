using MadBase.Tests.Infrastructure;
using MadBase.Worker.Storage.Blobs;
using Npgsql;

namespace MadBase.Tests.Storage;

/// <summary>The sweep against a real project: what a crash left behind goes, everything referenced stays.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class OrphanSweepTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage sweep");
        await project.CreateBucketAsync("sweep");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Sweep_OldUnreferencedBlob_DeletedReferencedAndRecentKept()
    {
        using (var upload = await project.UploadAsync("sweep", "kept/file.txt", "live"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        var store = new FileSystemBlobStore(Path.Combine(stack.Stack.DataDirectory, "storage"));
        var oldOrphan = BlobKeys.For(project.Ref, "sweep", "crashed/upload.bin", BlobKeys.NewVersion());
        var recentOrphan = BlobKeys.For(project.Ref, "sweep", "in-flight/upload.bin", BlobKeys.NewVersion());
        await store.WriteAsync(oldOrphan, new MemoryStream([1, 2, 3]), "application/octet-stream", CancellationToken.None);
        await store.WriteAsync(recentOrphan, new MemoryStream([4]), "application/octet-stream", CancellationToken.None);
        var live = project.BlobFiles("sweep", "kept/file.txt").Single();
        var longAgo = DateTime.UtcNow.AddHours(-3);
        File.SetLastWriteTimeUtc(Path.Combine(stack.Stack.DataDirectory, "storage", oldOrphan), longAgo);
        File.SetLastWriteTimeUtc(live, longAgo);

        var builder = new NpgsqlConnectionStringBuilder(stack.SystemConnectionString) { Database = project.DatabaseName };
        await using var database = NpgsqlDataSource.Create(builder.ConnectionString);
        var deleted = await OrphanSweep.SweepAsync(project.Ref, ct => database.OpenConnectionAsync(ct).AsTask(), store, DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Null(await store.OpenReadAsync(oldOrphan, 0, 3, CancellationToken.None));
        await using (var recent = await store.OpenReadAsync(recentOrphan, 0, 1, CancellationToken.None))
        {
            Assert.NotNull(recent);
        }

        Assert.Equal("live", await project.DownloadTextAsync("sweep", "kept/file.txt"));
    }
}
