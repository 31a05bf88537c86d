using System.Net.Http.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>Supabase's per-user folder policies, written exactly as users write them, enforced by Postgres.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class StoragePolicyTests(SecondStackFixture stack) : IAsyncLifetime
{
    private static readonly Guid Alice = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage policies");
        await project.CreateBucketAsync("avatars");
        // Touch the API once so the storage schema exists before the policies are written.
        using (var list = await project.StorageAsync(HttpMethod.Get, "/bucket"))
        {
            await StorageCalls.AssertOkAsync(list);
        }

        await project.ExecuteAsync("""
            CREATE POLICY "own folder insert" ON storage.objects FOR INSERT TO authenticated
                WITH CHECK (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text);
            CREATE POLICY "own folder select" ON storage.objects FOR SELECT TO authenticated
                USING (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text);
            CREATE POLICY "own folder update" ON storage.objects FOR UPDATE TO authenticated
                USING (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text);
            CREATE POLICY "own folder delete" ON storage.objects FOR DELETE TO authenticated
                USING (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text);
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Upload_OwnFolder_AllowedOtherFolderDenied()
    {
        var alice = project.UserToken(Alice);
        using (var own = await project.UploadAsync("avatars", $"{Alice}/me.png", "alice", alice, contentType: "image/png"))
        {
            await StorageCalls.AssertOkAsync(own);
        }

        using (var other = await project.UploadAsync("avatars", $"{Bob}/me.png", "forged", alice, contentType: "image/png"))
        {
            await StorageCalls.AssertErrorAsync(other, "403", "AccessDenied");
        }

        // The refused upload left neither a row nor bytes behind.
        Assert.Equal(0, await project.CountObjectsAsync("avatars", $"{Bob}/me.png"));
        Assert.Empty(project.BlobFiles("avatars", $"{Bob}/me.png"));
    }

    [Fact]
    public async Task ReadListDelete_OtherUsersObjects_Invisible()
    {
        var alice = project.UserToken(Alice);
        var bob = project.UserToken(Bob);
        using (var upload = await project.UploadAsync("avatars", $"{Bob}/secret.txt", "bob's", bob))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        Assert.Equal("bob's", await project.DownloadTextAsync("avatars", $"{Bob}/secret.txt", bob));

        using (var read = await project.StorageAsync(HttpMethod.Get, $"/object/authenticated/avatars/{Bob}/secret.txt", alice))
        {
            await StorageCalls.AssertErrorAsync(read, "404", "NoSuchKey");
        }

        using (var list = await project.StorageJsonAsync(HttpMethod.Post, "/object/list/avatars", new { prefix = Bob.ToString() }, alice))
        {
            Assert.Equal(0, (await StorageCalls.ReadJsonAsync(list)).GetArrayLength());
        }

        using (var list = await project.StorageJsonAsync(HttpMethod.Post, "/object/list/avatars", new { prefix = Bob.ToString() }, bob))
        {
            Assert.Equal(1, (await StorageCalls.ReadJsonAsync(list)).GetArrayLength());
        }

        using (var remove = project.StorageRequest(HttpMethod.Delete, "/object/avatars", alice, JsonContent.Create(new { prefixes = new[] { $"{Bob}/secret.txt" } })))
        using (var removed = await TestHttp.Client.SendAsync(remove))
        {
            Assert.Equal(0, (await StorageCalls.ReadJsonAsync(removed)).GetArrayLength());
        }

        using (var sign = await project.StorageJsonAsync(HttpMethod.Post, $"/object/sign/avatars/{Bob}/secret.txt", new { expiresIn = 60 }, alice))
        {
            await StorageCalls.AssertErrorAsync(sign, "404", "NoSuchKey");
        }

        Assert.Equal("bob's", await project.DownloadTextAsync("avatars", $"{Bob}/secret.txt", bob));
    }

    [Fact]
    public async Task Upsert_OtherUsersObject_Denied()
    {
        var alice = project.UserToken(Alice);
        var bob = project.UserToken(Bob);
        using (var upload = await project.UploadAsync("avatars", $"{Bob}/keep.txt", "original", bob))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using (var overwrite = await project.UploadAsync("avatars", $"{Bob}/keep.txt", "overwritten", alice, upsert: true))
        {
            await StorageCalls.AssertErrorAsync(overwrite, "403", "AccessDenied");
        }

        Assert.Equal("original", await project.DownloadTextAsync("avatars", $"{Bob}/keep.txt", bob));
        Assert.Single(project.BlobFiles("avatars", $"{Bob}/keep.txt"));
    }

    [Fact]
    public async Task Policy_SeesStorageOperationSetting()
    {
        await project.CreateBucketAsync("ops");
        await project.ExecuteAsync("""
            CREATE POLICY "uploads only" ON storage.objects FOR INSERT TO authenticated
                WITH CHECK (bucket_id = 'ops' AND current_setting('storage.operation', true) = 'storage.object.upload');
            """);
        var alice = project.UserToken(Alice);
        using var upload = await project.UploadAsync("ops", "x.txt", "x", alice);
        await StorageCalls.AssertOkAsync(upload);
        Assert.Equal(1, await project.CountObjectsAsync("ops", "x.txt"));
    }
}
