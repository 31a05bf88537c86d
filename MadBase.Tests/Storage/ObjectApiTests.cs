using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

[Collection(SecondStackCollection.Name)]
public sealed class ObjectApiTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage objects");
        await project.CreateBucketAsync("docs");
        await project.CreateBucketAsync("pub", isPublic: true);
        await project.CreateBucketAsync("archive");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Upload_RawBody_ReturnsIdAndKeyAndDownloads()
    {
        using var response = await project.UploadAsync("docs", "raw/hello.txt", "hello world");
        var json = await StorageCalls.ReadJsonAsync(response);
        Assert.Equal("docs/raw/hello.txt", json.GetProperty("Key").GetString());
        Assert.True(Guid.TryParse(json.GetProperty("Id").GetString(), out _));

        using var download = await project.StorageAsync(HttpMethod.Get, "/object/docs/raw/hello.txt");
        await StorageCalls.AssertOkAsync(download);
        Assert.Equal("hello world", await download.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", download.Content.Headers.ContentType!.ToString());
        Assert.NotNull(download.Headers.ETag);
    }

    [Fact]
    public async Task Upload_MultipartForm_StoresCacheControlMetadataAndType()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("3600"), "cacheControl");
        form.Add(new StringContent("""{"owner":"tests"}"""), "metadata");
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"a\":1}"));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(file, "\"\"", "blob");
        using (var response = await project.StorageAsync(HttpMethod.Post, "/object/docs/form/data.json", content: form))
        {
            await StorageCalls.AssertOkAsync(response);
        }

        using var download = await project.StorageAsync(HttpMethod.Get, "/object/authenticated/docs/form/data.json");
        await StorageCalls.AssertOkAsync(download);
        Assert.Equal("{\"a\":1}", await download.Content.ReadAsStringAsync());
        Assert.Equal("application/json", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("max-age=3600", download.Headers.CacheControl!.ToString());

        using var info = await project.StorageAsync(HttpMethod.Get, "/object/info/docs/form/data.json");
        var json = await StorageCalls.ReadJsonAsync(info);
        Assert.Equal(7, json.GetProperty("size").GetInt64());
        Assert.Equal("tests", json.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal("application/json", json.GetProperty("content_type").GetString());
    }

    [Fact]
    public async Task Upload_Duplicate_RejectedUnlessUpsert()
    {
        using (var first = await project.UploadAsync("docs", "dupe.txt", "one"))
        {
            await StorageCalls.AssertOkAsync(first);
        }

        using (var second = await project.UploadAsync("docs", "dupe.txt", "two"))
        {
            var error = await StorageCalls.AssertErrorAsync(second, "409", "Duplicate");
            Assert.Equal("The resource already exists", error.GetProperty("message").GetString());
        }

        Assert.Equal("one", await project.DownloadTextAsync("docs", "dupe.txt"));
        Assert.Single(project.BlobFiles("docs", "dupe.txt"));

        using (var upsert = await project.UploadAsync("docs", "dupe.txt", "three", upsert: true))
        {
            await StorageCalls.AssertOkAsync(upsert);
        }

        Assert.Equal("three", await project.DownloadTextAsync("docs", "dupe.txt"));
        Assert.Single(project.BlobFiles("docs", "dupe.txt"));

        using (var update = await project.StorageAsync(HttpMethod.Put, "/object/docs/dupe.txt", content: new StringContent("four")))
        {
            await StorageCalls.AssertOkAsync(update);
        }

        Assert.Equal("four", await project.DownloadTextAsync("docs", "dupe.txt"));
    }

    [Fact]
    public async Task Download_Missing_NoSuchKey()
    {
        using var response = await project.StorageAsync(HttpMethod.Get, "/object/docs/nope.txt");
        var error = await StorageCalls.AssertErrorAsync(response, "404", "NoSuchKey");
        Assert.Equal("Object not found", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Head_ExistingAndMissing_200And400()
    {
        using (var upload = await project.UploadAsync("docs", "exists.txt", "x"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using var present = await project.StorageAsync(HttpMethod.Head, "/object/docs/exists.txt");
        Assert.Equal(HttpStatusCode.OK, present.StatusCode);
        Assert.Equal(1, present.Content.Headers.ContentLength);
        using var absent = await project.StorageAsync(HttpMethod.Head, "/object/docs/absent.txt");
        Assert.Equal(HttpStatusCode.BadRequest, absent.StatusCode);
    }

    [Fact]
    public async Task Public_PublicBucketWithoutKey_PrivateBucketRefused()
    {
        using (var upload = await project.UploadAsync("pub", "p.txt", "public bytes"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using (var upload = await project.UploadAsync("docs", "private.txt", "secret"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        // A browser opening a public URL sends no apikey at all.
        using (var anonymous = await project.KeylessGetAsync("/object/public/pub/p.txt"))
        {
            await StorageCalls.AssertOkAsync(anonymous);
            Assert.Equal("public bytes", await anonymous.Content.ReadAsStringAsync());
        }

        using var refused = await project.KeylessGetAsync("/object/public/docs/private.txt");
        await StorageCalls.AssertErrorAsync(refused, "404", "NoSuchBucket");

        // Private objects need a key with rights: anon without a policy sees nothing.
        using var anon = await project.StorageAsync(HttpMethod.Get, "/object/authenticated/docs/private.txt", project.AnonKey);
        await StorageCalls.AssertErrorAsync(anon, "404", "NoSuchKey");
    }

    [Fact]
    public async Task Download_QueryDownload_SetsContentDisposition()
    {
        using (var upload = await project.UploadAsync("docs", "report.csv", "a,b", contentType: "text/csv"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using var named = await project.StorageAsync(HttpMethod.Get, "/object/docs/report.csv?download=mine.csv");
        Assert.Equal("attachment", named.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("mine.csv", named.Content.Headers.ContentDisposition.FileName?.Trim('"'));
        using var plain = await project.StorageAsync(HttpMethod.Get, "/object/docs/report.csv?download");
        Assert.Equal("report.csv", plain.Content.Headers.ContentDisposition!.FileName?.Trim('"'));
    }

    [Fact]
    public async Task Download_RangeAndConditional_206And304()
    {
        using (var upload = await project.UploadAsync("docs", "digits.txt", "0123456789"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using var rangeRequest = project.StorageRequest(HttpMethod.Get, "/object/docs/digits.txt");
        rangeRequest.Headers.Range = new RangeHeaderValue(2, 5);
        using var partial = await TestHttp.Client.SendAsync(rangeRequest);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("2345", await partial.Content.ReadAsStringAsync());
        Assert.Equal("bytes 2-5/10", partial.Content.Headers.ContentRange!.ToString());

        using var suffixRequest = project.StorageRequest(HttpMethod.Get, "/object/docs/digits.txt");
        suffixRequest.Headers.Range = new RangeHeaderValue(null, 3);
        using var suffix = await TestHttp.Client.SendAsync(suffixRequest);
        Assert.Equal("789", await suffix.Content.ReadAsStringAsync());

        using var badRequest = project.StorageRequest(HttpMethod.Get, "/object/docs/digits.txt");
        badRequest.Headers.Range = new RangeHeaderValue(50, 60);
        using var bad = await TestHttp.Client.SendAsync(badRequest);
        await StorageCalls.AssertErrorAsync(bad, "416", "InvalidRange");

        using var full = await project.StorageAsync(HttpMethod.Get, "/object/docs/digits.txt");
        var etag = full.Headers.ETag!;
        Assert.Equal("\"781e5e245d69b566979b86e28d23f2c7\"", etag.Tag);
        using var conditional = project.StorageRequest(HttpMethod.Get, "/object/docs/digits.txt");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await TestHttp.Client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(string.Empty, await notModified.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task List_Folders_ReturnedAsEntriesWithNullId()
    {
        foreach (var name in new[] { "tree/a.txt", "tree/b.txt", "tree/sub/c.txt", "tree/sub/deeper/d.txt", "tree/other/e.txt" })
        {
            using var upload = await project.UploadAsync("docs", name, name);
            await StorageCalls.AssertOkAsync(upload);
        }

        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/object/list/docs", new { prefix = "tree", limit = 100, offset = 0, sortBy = new { column = "name", order = "asc" } });
        var entries = (await StorageCalls.ReadJsonAsync(response)).EnumerateArray().ToList();
        Assert.Equal(["a.txt", "b.txt", "other", "sub"], entries.Select(e => e.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(JsonValueKind.Null, entries[3].GetProperty("id").ValueKind);
        Assert.Equal(JsonValueKind.Null, entries[3].GetProperty("metadata").ValueKind);
        Assert.Equal(JsonValueKind.String, entries[0].GetProperty("id").ValueKind);
        Assert.Equal(10, entries[0].GetProperty("metadata").GetProperty("size").GetInt64());

        using var searched = await project.StorageJsonAsync(HttpMethod.Post, "/object/list/docs", new { prefix = "tree/", limit = 1, offset = 1, search = "", sortBy = new { column = "name", order = "desc" } });
        Assert.Equal("other", (await StorageCalls.ReadJsonAsync(searched))[0].GetProperty("name").GetString());

        using var search = await project.StorageJsonAsync(HttpMethod.Post, "/object/list/docs", new { prefix = "tree", search = "S" });
        Assert.Equal(["sub"], (await StorageCalls.ReadJsonAsync(search)).EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray());
    }

    [Fact]
    public async Task List_PagesAcrossFolders_EachEntryOnceInByteOrder()
    {
        var names = new[] { "pg/a-b.txt", "pg/a.txt", "pg/a/1.txt", "pg/a/2/x.txt", "pg/b/1.txt", "pg/b0.txt", "pg/c.txt", "pg2/not-me.txt" };
        foreach (var name in names)
        {
            using var upload = await project.UploadAsync("docs", name, "x");
            await StorageCalls.AssertOkAsync(upload);
        }

        var seen = new List<string>();
        for (var offset = 0; offset < 10; offset += 2)
        {
            using var response = await project.StorageJsonAsync(HttpMethod.Post, "/object/list/docs", new { prefix = "pg/", limit = 2, offset });
            seen.AddRange((await StorageCalls.ReadJsonAsync(response)).EnumerateArray().Select(e => e.GetProperty("name").GetString()!));
        }

        Assert.Equal(["a-b.txt", "a.txt", "a", "b", "b0.txt", "c.txt"], seen.ToArray());
    }

    [Fact]
    public async Task ListV2_Delimiter_FoldersAndCursor()
    {
        foreach (var name in new[] { "v2/a.txt", "v2/b.txt", "v2/c/d.txt" })
        {
            using var upload = await project.UploadAsync("docs", name, "x");
            await StorageCalls.AssertOkAsync(upload);
        }

        using var first = await project.StorageJsonAsync(HttpMethod.Post, "/object/list-v2/docs", new { prefix = "v2/", limit = 2, with_delimiter = true });
        var page = await StorageCalls.ReadJsonAsync(first);
        Assert.True(page.GetProperty("hasNext").GetBoolean());
        Assert.Equal(["v2/a.txt", "v2/b.txt"], page.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("name").GetString()!).ToArray());
        using var second = await project.StorageJsonAsync(HttpMethod.Post, "/object/list-v2/docs", new { prefix = "v2/", limit = 2, with_delimiter = true, cursor = page.GetProperty("nextCursor").GetString() });
        var next = await StorageCalls.ReadJsonAsync(second);
        Assert.False(next.GetProperty("hasNext").GetBoolean());
        Assert.Equal("v2/c/", next.GetProperty("folders")[0].GetProperty("key").GetString());
    }

    [Fact]
    public async Task Remove_Prefixes_DeletesRowsAndBlobs()
    {
        foreach (var name in new[] { "rm/1.txt", "rm/2.txt", "rm/3.txt" })
        {
            using var upload = await project.UploadAsync("docs", name, "x");
            await StorageCalls.AssertOkAsync(upload);
        }

        using var request = project.StorageRequest(HttpMethod.Delete, "/object/docs", content: JsonContent.Create(new { prefixes = new[] { "rm/1.txt", "rm/2.txt", "rm/missing.txt" } }));
        using var response = await TestHttp.Client.SendAsync(request);
        var deleted = await StorageCalls.ReadJsonAsync(response);
        Assert.Equal(["rm/1.txt", "rm/2.txt"], deleted.EnumerateArray().Select(d => d.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Empty(project.BlobFiles("docs", "rm/1.txt"));
        Assert.Equal(0, await project.CountObjectsAsync("docs", "rm/2.txt"));
        Assert.Equal("x", await project.DownloadTextAsync("docs", "rm/3.txt"));
    }

    [Fact]
    public async Task MoveAndCopy_AcrossBuckets_BytesFollow()
    {
        using (var upload = await project.UploadAsync("docs", "mv/source.txt", "moving"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using (var copy = await project.StorageJsonAsync(HttpMethod.Post, "/object/copy", new { bucketId = "docs", sourceKey = "mv/source.txt", destinationKey = "copied.txt", destinationBucket = "archive" }))
        {
            Assert.Equal("archive/copied.txt", (await StorageCalls.ReadJsonAsync(copy)).GetProperty("Key").GetString());
        }

        using (var move = await project.StorageJsonAsync(HttpMethod.Post, "/object/move", new { bucketId = "docs", sourceKey = "mv/source.txt", destinationKey = "mv/target.txt" }))
        {
            Assert.Equal("Successfully moved", (await StorageCalls.ReadJsonAsync(move)).GetProperty("message").GetString());
        }

        Assert.Equal("moving", await project.DownloadTextAsync("archive", "copied.txt"));
        Assert.Equal("moving", await project.DownloadTextAsync("docs", "mv/target.txt"));
        Assert.Empty(project.BlobFiles("docs", "mv/source.txt"));
        using var old = await project.StorageAsync(HttpMethod.Get, "/object/docs/mv/source.txt");
        await StorageCalls.AssertErrorAsync(old, "404", "NoSuchKey");

        using var missing = await project.StorageJsonAsync(HttpMethod.Post, "/object/move", new { bucketId = "docs", sourceKey = "mv/none.txt", destinationKey = "x.txt" });
        await StorageCalls.AssertErrorAsync(missing, "404", "NoSuchKey");
    }

    [Fact]
    public async Task Upload_MissingBucket_Rejected()
    {
        using var noBucket = await project.UploadAsync("nobucket", "a.txt", "x");
        await StorageCalls.AssertErrorAsync(noBucket, "404", "NoSuchBucket");
    }
}
