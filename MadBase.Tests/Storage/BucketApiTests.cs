using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

[Collection(SecondStackCollection.Name)]
public sealed class BucketApiTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await TestProject.CreateAsync(stack, "storage buckets");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CreateGetUpdateDelete_ServiceRole_RoundTrips()
    {
        using (var created = await project.StorageJsonAsync(HttpMethod.Post, "/bucket", new { id = "crud", name = "crud", @public = false, file_size_limit = "1MB", allowed_mime_types = new[] { "image/*" } }))
        {
            var json = await StorageCalls.ReadJsonAsync(created);
            Assert.Equal("crud", json.GetProperty("name").GetString());
        }

        using (var got = await project.StorageAsync(HttpMethod.Get, "/bucket/crud"))
        {
            var json = await StorageCalls.ReadJsonAsync(got);
            Assert.False(json.GetProperty("public").GetBoolean());
            Assert.Equal(1_000_000, json.GetProperty("file_size_limit").GetInt64());
            Assert.Equal("image/*", json.GetProperty("allowed_mime_types")[0].GetString());
        }

        using (var updated = await project.StorageJsonAsync(HttpMethod.Put, "/bucket/crud", new { id = "crud", @public = true, file_size_limit = 2048 }))
        {
            Assert.Equal("Successfully updated", (await StorageCalls.ReadJsonAsync(updated)).GetProperty("message").GetString());
        }

        using (var got = await project.StorageAsync(HttpMethod.Get, "/bucket/crud"))
        {
            var json = await StorageCalls.ReadJsonAsync(got);
            Assert.True(json.GetProperty("public").GetBoolean());
            Assert.Equal(2048, json.GetProperty("file_size_limit").GetInt64());
            Assert.Equal("image/*", json.GetProperty("allowed_mime_types")[0].GetString());
        }

        using (var deleted = await project.StorageAsync(HttpMethod.Delete, "/bucket/crud"))
        {
            Assert.Equal("Successfully deleted", (await StorageCalls.ReadJsonAsync(deleted)).GetProperty("message").GetString());
        }

        using var gone = await project.StorageAsync(HttpMethod.Get, "/bucket/crud");
        await StorageCalls.AssertErrorAsync(gone, "404", "NoSuchBucket");
    }

    [Fact]
    public async Task Create_Duplicate_Returns409InBody()
    {
        await project.CreateBucketAsync("dupe");
        using var again = await project.StorageJsonAsync(HttpMethod.Post, "/bucket", new { id = "dupe", name = "dupe" });
        await StorageCalls.AssertErrorAsync(again, "409");
    }

    [Fact]
    public async Task List_SearchSortLimitOffset_Applied()
    {
        foreach (var id in new[] { "list-c", "list-a", "list-b", "other-x" })
        {
            await project.CreateBucketAsync(id);
        }

        using var response = await project.StorageAsync(HttpMethod.Get, "/bucket?search=list-&sortColumn=name&sortOrder=desc&limit=2&offset=1");
        var json = await StorageCalls.ReadJsonAsync(response);
        Assert.Equal(["list-b", "list-a"], json.EnumerateArray().Select(b => b.GetProperty("id").GetString()!).ToArray());
    }

    [Fact]
    public async Task Delete_NotEmpty_RefusedUntilEmptied()
    {
        await project.CreateBucketAsync("full");
        using (var upload = await project.UploadAsync("full", "a/b.txt", "hello"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using (var refused = await project.StorageAsync(HttpMethod.Delete, "/bucket/full"))
        {
            await StorageCalls.AssertErrorAsync(refused, "409");
        }

        using (var emptied = await project.StorageAsync(HttpMethod.Post, "/bucket/full/empty"))
        {
            Assert.Equal("Successfully emptied", (await StorageCalls.ReadJsonAsync(emptied)).GetProperty("message").GetString());
        }

        Assert.Empty(project.BlobFiles("full", "a/b.txt"));
        using var deleted = await project.StorageAsync(HttpMethod.Delete, "/bucket/full");
        await StorageCalls.AssertOkAsync(deleted);
    }

    [Fact]
    public async Task Create_AnonWithoutPolicy_DeniedByRls()
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/bucket", new { id = "sneaky", name = "sneaky" }, project.AnonKey);
        var error = await StorageCalls.AssertErrorAsync(response, "403", "AccessDenied");
        Assert.Contains("row-level security", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidFileSizeLimit_InvalidRequest()
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/bucket", new { id = "badlimit", name = "badlimit", file_size_limit = "lots" });
        await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
    }

    [Fact]
    public async Task Request_WithoutProject_TenantError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.Stack.WorkerUrls[0] + "/storage/v1/bucket");
        using var response = await TestHttp.Client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("TenantNotFound", body.GetProperty("code").GetString());
    }
}
