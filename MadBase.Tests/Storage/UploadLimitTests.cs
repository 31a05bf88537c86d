using System.Net;
using System.Net.Http.Headers;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>Size and MIME rules enforced while the body streams, with nothing stored when they refuse.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class UploadLimitTests(SecondStackFixture stack) : IAsyncLifetime
{
    private const long GlobalLimit = 64L * 1024 * 1024;
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage limits", new { storage = new { file_size_limit = GlobalLimit } });
        await project.CreateBucketAsync("small", fileSizeLimit: 100);
        await project.CreateBucketAsync("images", allowedMimeTypes: ["image/*", "application/pdf"]);
        await project.CreateBucketAsync("big");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Upload_OverBucketLimit_EntityTooLargeAndNothingStored()
    {
        using (var fits = await project.UploadAsync("small", "ok.txt", new string('a', 100)))
        {
            await StorageCalls.AssertOkAsync(fits);
        }

        using (var tooBig = await project.UploadAsync("small", "big.txt", new string('a', 101)))
        {
            await StorageCalls.AssertErrorAsync(tooBig, "413", "EntityTooLarge");
        }

        Assert.Equal(0, await project.CountObjectsAsync("small", "big.txt"));
        Assert.Empty(project.BlobFiles("small", "big.txt"));
    }

    [Fact]
    public async Task Upload_ChunkedOverLimit_StoppedWhileStreaming()
    {
        // No Content-Length: the limit can only be enforced by counting bytes as they arrive.
        using var content = new StreamContent(new PatternStream(5000));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = project.StorageRequest(HttpMethod.Post, "/object/small/chunked.bin", content: content);
        request.Headers.TransferEncodingChunked = true;
        using var response = await TestHttp.Client.SendAsync(request);
        await StorageCalls.AssertErrorAsync(response, "413", "EntityTooLarge");
        Assert.Equal(0, await project.CountObjectsAsync("small", "chunked.bin"));
        Assert.Empty(project.BlobFiles("small", "chunked.bin"));
    }

    [Fact]
    public async Task Upload_MimeTypeRules_WildcardAndExact()
    {
        using (var png = await project.UploadAsync("images", "a.png", "png", contentType: "image/png"))
        {
            await StorageCalls.AssertOkAsync(png);
        }

        using (var pdf = await project.UploadAsync("images", "a.pdf", "pdf", contentType: "application/pdf"))
        {
            await StorageCalls.AssertOkAsync(pdf);
        }

        using (var text = await project.UploadAsync("images", "a.txt", "txt", contentType: "text/plain"))
        {
            var error = await StorageCalls.AssertErrorAsync(text, "415", "InvalidMimeType");
            Assert.Equal("mime type text/plain is not supported", error.GetProperty("message").GetString());
        }

        Assert.Equal(0, await project.CountObjectsAsync("images", "a.txt"));
    }

    [Fact]
    public async Task Upload_OverGlobalLimit_EntityTooLarge()
    {
        using var content = new StreamContent(new PatternStream(GlobalLimit + 1));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = project.StorageRequest(HttpMethod.Post, "/object/big/over.bin", content: content);
        request.Headers.TransferEncodingChunked = true;
        using var response = await TestHttp.Client.SendAsync(request);
        await StorageCalls.AssertErrorAsync(response, "413", "EntityTooLarge");
        Assert.Equal(0, await project.CountObjectsAsync("big", "over.bin"));
        Assert.Empty(project.BlobFiles("big", "over.bin"));
    }

    [Fact]
    public async Task Upload_LargerThanKestrelDefault_StreamsAndDownloadsIntact()
    {
        const long size = 40L * 1024 * 1024;
        using (var content = new StreamContent(new PatternStream(size)))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = size;
            using var response = await project.StorageAsync(HttpMethod.Post, "/object/big/forty.bin", content: content);
            await StorageCalls.AssertOkAsync(response);
        }

        using var download = await project.StorageAsync(HttpMethod.Get, "/object/big/forty.bin");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(size, download.Content.Headers.ContentLength);
        await using var body = await download.Content.ReadAsStreamAsync();
        Assert.True(await PatternStream.MatchesAsync(body, size), "downloaded bytes differ from the uploaded pattern");
    }
}
