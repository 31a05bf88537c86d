using System.Net.Http.Headers;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>
/// Input that once made /storage/v1 answer 500 with a logged stack trace: each is now storage-api's 400
/// with the real status in the body.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class MalformedInputTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage malformed");
        await project.CreateBucketAsync("docs");
        await StorageCalls.AssertOkAsync(await project.UploadAsync("docs", "a.txt", "hello"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.b.c.d.e")] // a JWE's header, {"alg":"dir","enc":"A256GCM"}
    [InlineData("not-a-jwt")]
    public async Task Bearer_MalformedToken_AnswersAccessDeniedWithJosesMessage(string token)
    {
        using var response = await project.StorageAsync(HttpMethod.Get, "/bucket", bearer: token);

        await AssertAccessDeniedAsync(response, "Invalid Compact JWS");
    }

    [Fact]
    public async Task Bearer_BadSignatureOrExpired_AnswersAccessDeniedWithJosesMessage()
    {
        var token = project.UserToken(Guid.NewGuid());
        using (var forged = await project.StorageAsync(HttpMethod.Get, "/bucket", bearer: token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA")))
        {
            await AssertAccessDeniedAsync(forged, "signature verification failed");
        }

        using var expired = await project.StorageAsync(HttpMethod.Get, "/bucket", bearer: project.UserToken(Guid.NewGuid(), lifetime: TimeSpan.FromMinutes(-5)));
        await AssertAccessDeniedAsync(expired, "\"exp\" claim timestamp check failed");
    }

    /// <summary>storage-api's answer to a token jose refuses: HTTP 400, the real status and legacy error in the body.</summary>
    private static async Task AssertAccessDeniedAsync(HttpResponseMessage response, string message)
    {
        var error = await StorageCalls.AssertErrorAsync(response, "403", "AccessDenied");
        Assert.Equal("Unauthorized", error.GetProperty("error").GetString());
        Assert.Equal(message, error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.b.c.d.e")]
    public async Task SignedUrl_FivePartToken_Returns400InvalidJwt(string token)
    {
        using var response = await project.KeylessGetAsync("/object/sign/docs/a.txt?token=" + token);

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidJWT");
    }

    [Theory]
    [InlineData("--X--\r\n")]
    [InlineData("--X--")]
    [InlineData("")]
    [InlineData("--X\r\n\r\n")]
    [InlineData("--X\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n3600")]
    [InlineData("--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello")]
    public async Task Upload_MultipartCutShort_Returns400AndStoresNothing(string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=X");

        using var response = await project.StorageAsync(HttpMethod.Post, "/object/docs/cut.txt", content: content);

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
        Assert.Equal(0, await project.CountObjectsAsync("docs", "cut.txt"));
        Assert.Empty(project.BlobFiles("docs", "cut.txt"));
    }

    [Theory]
    [InlineData("""{"prefix":"","search":"\ud800"}""")]
    [InlineData("""{"prefix":"\udc00x","search":""}""")]
    [InlineData("""{"prefix":"","search":"a\u0000"}""")]
    [InlineData("""{"prefix":"","search":"x","sortBy":{"column":"name","order":"\ud800"}}""")]
    public async Task List_TextPostgresCannotHold_Returns400(string body)
    {
        using var response = await project.StorageAsync(HttpMethod.Post, "/object/list/docs", content: new StringContent(body, Encoding.UTF8, "application/json"));

        var json = await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
        Assert.Contains("NUL characters or unpaired UTF-16 surrogates", json.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/object/move", """{"bucketId":"docs","sourceKey":"a.txt","destinationKey":"\ud800.txt"}""")]
    [InlineData("/bucket", """{"id":"b\ud800","name":"b"}""")]
    [InlineData("/object/sign/docs", """{"expiresIn":60,"paths":["a\u0000.txt"]}""")]
    public async Task JsonBody_TextPostgresCannotHold_Returns400(string path, string body)
    {
        using var response = await project.StorageAsync(HttpMethod.Post, path, content: new StringContent(body, Encoding.UTF8, "application/json"));

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
    }

    [Fact]
    public async Task BucketList_NulInSearch_Returns400()
    {
        using var response = await project.StorageAsync(HttpMethod.Get, "/bucket?search=a%00b");

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
    }

    [Theory]
    [InlineData("multipart")]
    [InlineData("x-metadata")]
    public async Task Upload_MetadataWithNul_Returns400(string form)
    {
        const string metadata = """{"k":"\u0000"}""";
        HttpContent content;
        using var request = project.StorageRequest(HttpMethod.Post, "/object/docs/meta.txt");
        if (form == "multipart")
        {
            var multipart = new MultipartFormDataContent { { new StringContent(metadata), "metadata" } };
            multipart.Add(new StringContent("hello"), "file", "meta.txt");
            content = multipart;
        }
        else
        {
            content = new StringContent("hello", Encoding.UTF8, "text/plain");
            request.Headers.Add("x-metadata", Convert.ToBase64String(Encoding.UTF8.GetBytes(metadata)));
        }

        request.Content = content;
        using var response = await TestHttp.Client.SendAsync(request);

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
        Assert.Equal(0, await project.CountObjectsAsync("docs", "meta.txt"));
    }

    [Theory]
    [InlineData(256, 1)] // one byte per character: a segment just past what a file name can be on disk
    [InlineData(130, 2)] // "é" is two bytes in UTF-8: 260 bytes in 130 characters
    public async Task Upload_NameSegmentOver255Bytes_Returns400InvalidKey(int length, int bytesPerCharacter)
    {
        var segment = new string(bytesPerCharacter == 1 ? 'a' : 'é', length);

        using var response = await project.UploadAsync("docs", "dir/" + Uri.EscapeDataString(segment), "x");

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidKey");
    }

    [Fact]
    public async Task Upload_NameSegmentOf255Bytes_IsStored()
    {
        var name = "dir/" + new string('a', 255);

        using var response = await project.UploadAsync("docs", name, "x");

        await StorageCalls.AssertOkAsync(response);
        Assert.Equal("x", await project.DownloadTextAsync("docs", name));
    }

    [Fact]
    public async Task Upload_NameWhoseBlobKeyPasses1024Bytes_Returns400InvalidKey()
    {
        // 1000 bytes of name are within S3's key limit, but not with the project, bucket and version around them.
        var name = string.Join("/", Enumerable.Repeat(new string('n', 99), 10));

        using var response = await project.UploadAsync("docs", name, "x");

        await StorageCalls.AssertErrorAsync(response, "400", "InvalidKey");
    }
}
