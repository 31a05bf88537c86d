using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

[Collection(StackCollection.Name)]
public sealed class BucketApiTests(StackFixture stack) : IAsyncLifetime
{
    private StorageProject project = null!;

    public async Task InitializeAsync() => project = await StorageProject.CreateAsync(stack, "storage buckets");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CreateGetUpdateDelete_ServiceRole_RoundTrips()
    {
        using (var created = await project.JsonAsync(HttpMethod.Post, "/bucket", new { id = "crud", name = "crud", @public = false, file_size_limit = "1MB", allowed_mime_types = new[] { "image/*" } }))
        {
            var json = await StorageProject.ReadJsonAsync(created);
            Assert.Equal("crud", json.GetProperty("name").GetString());
        }

        using (var got = await project.SendAsync(HttpMethod.Get, "/bucket/crud"))
        {
            var json = await StorageProject.ReadJsonAsync(got);
            Assert.False(json.GetProperty("public").GetBoolean());
            Assert.Equal(1024 * 1024, json.GetProperty("file_size_limit").GetInt64());
            Assert.Equal("image/*", json.GetProperty("allowed_mime_types")[0].GetString());
        }

        using (var updated = await project.JsonAsync(HttpMethod.Put, "/bucket/crud", new { id = "crud", @public = true, file_size_limit = 2048 }))
        {
            Assert.Equal("Successfully updated", (await StorageProject.ReadJsonAsync(updated)).GetProperty("message").GetString());
        }

        using (var got = await project.SendAsync(HttpMethod.Get, "/bucket/crud"))
        {
            var json = await StorageProject.ReadJsonAsync(got);
            Assert.True(json.GetProperty("public").GetBoolean());
            Assert.Equal(2048, json.GetProperty("file_size_limit").GetInt64());
            Assert.Equal("image/*", json.GetProperty("allowed_mime_types")[0].GetString());
        }

        using (var deleted = await project.SendAsync(HttpMethod.Delete, "/bucket/crud"))
        {
            Assert.Equal("Successfully deleted", (await StorageProject.ReadJsonAsync(deleted)).GetProperty("message").GetString());
        }

        using var gone = await project.SendAsync(HttpMethod.Get, "/bucket/crud");
        await StorageProject.AssertErrorAsync(gone, "404", "NoSuchBucket");
    }

    [Fact]
    public async Task Create_Duplicate_Returns409InBody()
    {
        await project.CreateBucketAsync("dupe");
        using var again = await project.JsonAsync(HttpMethod.Post, "/bucket", new { id = "dupe", name = "dupe" });
        await StorageProject.AssertErrorAsync(again, "409");
    }

    [Fact]
    public async Task List_SearchSortLimitOffset_Applied()
    {
        foreach (var id in new[] { "list-c", "list-a", "list-b", "other-x" })
        {
            await project.CreateBucketAsync(id);
        }

        using var response = await project.SendAsync(HttpMethod.Get, "/bucket?search=list-&sortColumn=name&sortOrder=desc&limit=2&offset=1");
        var json = await StorageProject.ReadJsonAsync(response);
        Assert.Equal(["list-b", "list-a"], json.EnumerateArray().Select(b => b.GetProperty("id").GetString()!).ToArray());
    }

    [Fact]
    public async Task Delete_NotEmpty_RefusedUntilEmptied()
    {
        await project.CreateBucketAsync("full");
        using (var upload = await project.UploadAsync("full", "a/b.txt", "hello"))
        {
            await StorageProject.AssertOkAsync(upload);
        }

        using (var refused = await project.SendAsync(HttpMethod.Delete, "/bucket/full"))
        {
            await StorageProject.AssertErrorAsync(refused, "409");
        }

        using (var emptied = await project.SendAsync(HttpMethod.Post, "/bucket/full/empty"))
        {
            Assert.Equal("Successfully emptied", (await StorageProject.ReadJsonAsync(emptied)).GetProperty("message").GetString());
        }

        Assert.Empty(project.BlobFiles("full", "a/b.txt"));
        using var deleted = await project.SendAsync(HttpMethod.Delete, "/bucket/full");
        await StorageProject.AssertOkAsync(deleted);
    }

    [Fact]
    public async Task Create_AnonWithoutPolicy_DeniedByRls()
    {
        using var response = await project.JsonAsync(HttpMethod.Post, "/bucket", new { id = "sneaky", name = "sneaky" }, project.AnonKey);
        var error = await StorageProject.AssertErrorAsync(response, "403", "AccessDenied");
        Assert.Contains("row-level security", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidFileSizeLimit_InvalidRequest()
    {
        using var response = await project.JsonAsync(HttpMethod.Post, "/bucket", new { id = "badlimit", name = "badlimit", file_size_limit = "lots" });
        await StorageProject.AssertErrorAsync(response, "400", "InvalidRequest");
    }

    [Fact]
    public async Task Request_WithoutProject_TenantError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.Stack.WorkerUrls[0] + "/storage/v1/bucket");
        using var response = await StorageProject.Http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("TenantNotFound", body.GetProperty("code").GetString());
    }
}
