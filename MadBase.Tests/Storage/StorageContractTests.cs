using System.Net;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>Small parts of storage-api's contract: status/version, list-v2 orders, public info, copy upsert, errors, units, names.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class StorageContractTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "storage contract", """
            INSERT INTO storage.buckets (id, name, public) VALUES ('open', 'open', true), ('closed', 'closed', false),
                ('sorted', 'sorted', false), ('copies', 'copies', false), ('full', 'full', false), ('names', 'names', false);
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StatusAndVersion_Answer()
    {
        using (var status = await project.StorageAsync(HttpMethod.Get, "/status"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        using var version = await project.StorageAsync(HttpMethod.Get, "/version");
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.Matches("^[0-9]+\\.[0-9]+\\.[0-9]+$", await version.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("created_at", "asc", "c,a,d,b,e")]
    [InlineData("created_at", "desc", "e,b,d,a,c")]
    [InlineData("updated_at", "asc", "e,d,c,b,a")]
    [InlineData("name", "desc", "e,d,c,b,a")]
    [InlineData("name", "asc", "a,b,c,d,e")]
    public async Task ListV2_SortBy_CursorPagesInThatOrder(string column, string order, string expected)
    {
        var prefix = $"{column}-{order}/";
        foreach (var name in "abcde")
        {
            await StorageCalls.AssertOkAsync(await project.UploadAsync("sorted", prefix + name, "x"));
        }

        // Two objects share a created_at: the key orders them, in the same direction. (Replica mode keeps the
        // updated_at trigger from overwriting the times set here.)
        await project.ExecuteAsync($"""
            SET session_replication_role = replica;
            UPDATE storage.objects SET
                created_at = CASE right(name, 1) WHEN 'c' THEN '2020-01-01' WHEN 'a' THEN '2020-01-02' WHEN 'd' THEN '2020-01-02'
                    WHEN 'b' THEN '2020-01-03' ELSE '2020-01-04' END::timestamptz,
                updated_at = CASE right(name, 1) WHEN 'e' THEN '2021-01-01' WHEN 'd' THEN '2021-01-02' WHEN 'c' THEN '2021-01-03'
                    WHEN 'b' THEN '2021-01-04' ELSE '2021-01-05' END::timestamptz
            WHERE bucket_id = 'sorted' AND name LIKE '{prefix}%';
            RESET session_replication_role;
            """);

        var seen = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 5; page++)
        {
            using var response = await project.StorageJsonAsync(HttpMethod.Post, "/object/list-v2/sorted", new { prefix, limit = 2, cursor, sortBy = new { column, order } });
            var json = await StorageCalls.ReadJsonAsync(response);
            seen.AddRange(json.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("name").GetString()![prefix.Length..]));
            if (!json.GetProperty("hasNext").GetBoolean())
            {
                break;
            }

            cursor = json.GetProperty("nextCursor").GetString();
        }

        Assert.Equal(expected, string.Join(',', seen));
    }

    [Fact]
    public async Task ListV2_GarbledCursor_Refused()
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/object/list-v2/sorted", new { cursor = Convert.ToBase64String("x:nothing"u8.ToArray()) });
        await StorageCalls.AssertErrorAsync(response, "400", "InvalidParameter");
    }

    [Fact]
    public async Task PublicInfo_PublicBucketOnly()
    {
        await StorageCalls.AssertOkAsync(await project.UploadAsync("open", "info/x.txt", "hello"));
        await StorageCalls.AssertOkAsync(await project.UploadAsync("closed", "info/x.txt", "hello"));

        using (var info = await project.StorageAsync(HttpMethod.Get, "/object/info/public/open/info/x.txt", project.AnonKey))
        {
            var json = await StorageCalls.ReadJsonAsync(info);
            Assert.Equal("info/x.txt", json.GetProperty("name").GetString());
            Assert.Equal("open", json.GetProperty("bucket_id").GetString());
            Assert.Equal(5, json.GetProperty("size").GetInt64());
        }

        using (var closed = await project.StorageAsync(HttpMethod.Get, "/object/info/public/closed/info/x.txt", project.AnonKey))
        {
            await StorageCalls.AssertErrorAsync(closed, "404", "NoSuchBucket");
        }

        using var missing = await project.StorageAsync(HttpMethod.Get, "/object/info/public/open/info/none.txt", project.AnonKey);
        await StorageCalls.AssertErrorAsync(missing, "404", "NoSuchKey");
    }

    [Fact]
    public async Task Info_WithoutUserMetadata_MetadataIsEmptyObject()
    {
        await StorageCalls.AssertOkAsync(await project.UploadAsync("open", "info/plain.txt", "x"));
        using var info = await project.StorageAsync(HttpMethod.Get, "/object/info/open/info/plain.txt");
        var json = await StorageCalls.ReadJsonAsync(info);
        Assert.Equal(JsonValueKind.Object, json.GetProperty("metadata").ValueKind);
        Assert.Empty(json.GetProperty("metadata").EnumerateObject());
    }

    [Fact]
    public async Task Copy_XUpsert_OverwritesTheDestination()
    {
        await StorageCalls.AssertOkAsync(await project.UploadAsync("copies", "src.txt", "new"));
        await StorageCalls.AssertOkAsync(await project.UploadAsync("copies", "dst.txt", "old"));
        var body = new { bucketId = "copies", sourceKey = "src.txt", destinationKey = "dst.txt" };

        using (var refused = await project.StorageJsonAsync(HttpMethod.Post, "/object/copy", body))
        {
            await StorageCalls.AssertErrorAsync(refused, "409", "Duplicate");
        }

        using (var request = project.StorageRequest(HttpMethod.Post, "/object/copy", content: System.Net.Http.Json.JsonContent.Create(body)))
        {
            request.Headers.Add("x-upsert", "true");
            using var copied = await TestHttp.Client.SendAsync(request);
            var json = await StorageCalls.ReadJsonAsync(copied);
            Assert.Equal("copies/dst.txt", json.GetProperty("Key").GetString());
        }

        Assert.Equal("new", await project.DownloadTextAsync("copies", "dst.txt"));
        Assert.Single(project.BlobFiles("copies", "dst.txt"));
    }

    [Fact]
    public async Task DeleteBucket_NotEmpty_ResourceNotEmpty()
    {
        await StorageCalls.AssertOkAsync(await project.UploadAsync("full", "x.txt", "x"));
        using var response = await project.StorageAsync(HttpMethod.Delete, "/bucket/full");
        var error = await StorageCalls.AssertErrorAsync(response, "409", "ResourceNotEmpty");
        Assert.Equal("The bucket you tried to delete is not empty", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("20mb", 20_000_000L)]
    [InlineData("20MB", 20_000_000L)]
    [InlineData("1.2345KB", 1_230L)]
    [InlineData("2GB", 2_000_000_000L)]
    [InlineData("30b", 30L)]
    [InlineData("4096", 4_096L)]
    public async Task FileSizeLimit_Units_ParsedAsStorageApi(string limit, long bytes)
    {
        var id = "units-" + Guid.NewGuid().ToString("N")[..8];
        await project.CreateBucketAsync(id, fileSizeLimit: limit);
        using var response = await project.StorageAsync(HttpMethod.Get, "/bucket/" + id);
        Assert.Equal(bytes, (await StorageCalls.ReadJsonAsync(response)).GetProperty("file_size_limit").GetInt64());
    }

    [Theory]
    [InlineData("20 MB")]
    [InlineData("5TB")]
    [InlineData("MB")]
    public async Task FileSizeLimit_Unreadable_Refused(string limit)
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/bucket", new { id = "bad-units", name = "bad-units", file_size_limit = limit });
        await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
    }

    [Fact]
    public async Task EmptySegments_AcceptedAndKeptApart()
    {
        await StorageCalls.AssertOkAsync(await project.UploadAsync("names", "a///b.txt", "three slashes"));
        await StorageCalls.AssertOkAsync(await project.UploadAsync("names", "a/b.txt", "one slash"));

        Assert.Equal("three slashes", await project.DownloadTextAsync("names", "a///b.txt"));
        Assert.Equal("one slash", await project.DownloadTextAsync("names", "a/b.txt"));
        Assert.Equal(1, await project.CountObjectsAsync("names", "a///b.txt"));

        using (var delete = await project.StorageAsync(HttpMethod.Delete, "/object/names/a///b.txt"))
        {
            await StorageCalls.AssertOkAsync(delete);
        }

        Assert.Equal(0, await project.CountObjectsAsync("names", "a///b.txt"));
        Assert.Equal("one slash", await project.DownloadTextAsync("names", "a/b.txt"));
    }
}
