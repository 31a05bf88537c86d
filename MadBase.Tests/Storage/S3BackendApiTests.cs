using System.Net;
using System.Net.Http.Headers;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>The storage API with the S3 backend: uploads (single and multipart), ranges, overwrites, move/copy, limits.</summary>
[Collection(S3StackCollection.Name)]
public sealed class S3BackendApiTests(S3StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack.Stack, "storage on s3");
        await project.CreateBucketAsync("s3docs");
        await project.CreateBucketAsync("s3small", fileSizeLimit: 1000);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(256)]
    [InlineData(255)]
    public async Task Upload_NameSegmentLength_SameRuleAsTheFileBackend(int length)
    {
        // S3 itself takes a 256-byte segment; the rule is the file system's, so a name valid on one backend is valid on both.
        var name = "dir/" + new string('s', length);

        using var response = await project.UploadAsync("s3docs", name, "x");

        if (length > 255)
        {
            await StorageCalls.AssertErrorAsync(response, "400", "InvalidKey");
        }
        else
        {
            await StorageCalls.AssertOkAsync(response);
        }
    }

    [Fact]
    public async Task ResumableUpload_S3Backend_PartsBecomeTheObject()
    {
        // Two PATCHes over S3's multipart threshold: the parts are S3 objects, read back into a multipart upload.
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes((10 * 1024 * 1024) + 5);
        using var created = await project.TusCreateAsync(data.Length, new Dictionary<string, string> { ["bucketName"] = "s3docs", ["objectName"] = "tus/big.bin" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();
        const int chunk = 6 * 1024 * 1024;
        using (var first = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent(data, 0, chunk)))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        using (var last = await project.TusAsync(HttpMethod.Patch, location, chunk, new ByteArrayContent(data, chunk, data.Length - chunk)))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            Assert.Equal("1", last.Headers.GetValues("Tus-Complete").Single());
        }

        using var download = await project.StorageAsync(HttpMethod.Get, "/object/s3docs/tus/big.bin");
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task UploadDownloadRangeUpsert_S3Backend_Works()
    {
        using (var upload = await project.UploadAsync("s3docs", "dir/a%20file%3F.txt", "0123456789"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        Assert.Equal("0123456789", await project.DownloadTextAsync("s3docs", "dir/a%20file%3F.txt"));
        using var range = project.StorageRequest(HttpMethod.Get, "/object/s3docs/dir/a%20file%3F.txt");
        range.Headers.Range = new RangeHeaderValue(4, 6);
        using (var partial = await TestHttp.Client.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal("456", await partial.Content.ReadAsStringAsync());
        }

        using (var upsert = await project.UploadAsync("s3docs", "dir/a%20file%3F.txt", "replaced", upsert: true))
        {
            await StorageCalls.AssertOkAsync(upsert);
        }

        Assert.Equal("replaced", await project.DownloadTextAsync("s3docs", "dir/a%20file%3F.txt"));
    }

    [Fact]
    public async Task LargeUpload_MultipartToS3_StreamsBackIntact()
    {
        const long size = 23L * 1024 * 1024;
        using (var content = new StreamContent(new PatternStream(size)))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var request = project.StorageRequest(HttpMethod.Post, "/object/s3docs/big.bin", content: content);
            request.Headers.TransferEncodingChunked = true;
            using var response = await TestHttp.Client.SendAsync(request);
            await StorageCalls.AssertOkAsync(response);
        }

        using var download = await project.StorageAsync(HttpMethod.Get, "/object/s3docs/big.bin");
        Assert.Equal(size, download.Content.Headers.ContentLength);
        await using var body = await download.Content.ReadAsStreamAsync();
        Assert.True(await PatternStream.MatchesAsync(body, size));
    }

    [Fact]
    public async Task MoveCopyRemove_S3Backend_BytesFollow()
    {
        using (var upload = await project.UploadAsync("s3docs", "mv/src.txt", "payload"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using (var copy = await project.StorageJsonAsync(HttpMethod.Post, "/object/copy", new { bucketId = "s3docs", sourceKey = "mv/src.txt", destinationKey = "mv/copy.txt" }))
        {
            await StorageCalls.AssertOkAsync(copy);
        }

        using (var move = await project.StorageJsonAsync(HttpMethod.Post, "/object/move", new { bucketId = "s3docs", sourceKey = "mv/src.txt", destinationKey = "mv/moved.txt" }))
        {
            await StorageCalls.AssertOkAsync(move);
        }

        Assert.Equal("payload", await project.DownloadTextAsync("s3docs", "mv/copy.txt"));
        Assert.Equal("payload", await project.DownloadTextAsync("s3docs", "mv/moved.txt"));
        using var remove = project.StorageRequest(HttpMethod.Delete, "/object/s3docs/mv/copy.txt");
        using (var removed = await TestHttp.Client.SendAsync(remove))
        {
            await StorageCalls.AssertOkAsync(removed);
        }

        using var gone = await project.StorageAsync(HttpMethod.Get, "/object/s3docs/mv/copy.txt");
        await StorageCalls.AssertErrorAsync(gone, "404", "NoSuchKey");
    }

    [Fact]
    public async Task Upload_OverBucketLimit_S3Backend_Refused()
    {
        using var tooBig = await project.UploadAsync("s3small", "x.bin", new string('z', 1001));
        await StorageCalls.AssertErrorAsync(tooBig, "413", "EntityTooLarge");
        Assert.Equal(0, await project.CountObjectsAsync("s3small", "x.bin"));
    }
}
