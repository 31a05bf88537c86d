using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

[Collection(SecondStackCollection.Name)]
public sealed class SignedUrlTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage signing");
        await project.CreateBucketAsync("private");
        using var upload = await project.UploadAsync("private", "doc/file.txt", "signed bytes");
        await StorageCalls.AssertOkAsync(upload);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task SignedDownload_WithoutKey_ServesObject()
    {
        var signedUrl = await SignAsync("doc/file.txt");
        using var response = await project.KeylessGetAsync(signedUrl);
        await StorageCalls.AssertOkAsync(response);
        Assert.Equal("signed bytes", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignedDownload_TamperedPathOrToken_Refused()
    {
        var signedUrl = await SignAsync("doc/file.txt");
        using (var upload = await project.UploadAsync("private", "doc/other.txt", "other"))
        {
            await StorageCalls.AssertOkAsync(upload);
        }

        using (var otherPath = await project.KeylessGetAsync(signedUrl.Replace("file.txt", "other.txt", StringComparison.Ordinal)))
        {
            await StorageCalls.AssertErrorAsync(otherPath, "400", "InvalidSignature");
        }

        var token = signedUrl[(signedUrl.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1])));
        var forged = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.Replace("doc/file.txt", "doc/other.txt", StringComparison.Ordinal))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var tampered = await project.KeylessGetAsync($"/object/sign/private/doc/other.txt?token={parts[0]}.{forged}.{parts[2]}");
        await StorageCalls.AssertErrorAsync(tampered, "400", "InvalidJWT");
    }

    [Fact]
    public async Task SignedDownload_Expired_Refused()
    {
        var past = DateTimeOffset.UtcNow.AddMinutes(-10);
        var token = JwtIssuer.Sign(
            new Dictionary<string, object> { ["url"] = "private/doc/file.txt", ["kind"] = "download", ["iat"] = past.ToUnixTimeSeconds(), ["exp"] = past.AddMinutes(1).ToUnixTimeSeconds() },
            project.JwtSecret);
        using var response = await project.KeylessGetAsync($"/object/sign/private/doc/file.txt?token={token}");
        var error = await StorageCalls.AssertErrorAsync(response, "400", "InvalidJWT");
        Assert.Equal("jwt expired", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task SignedDownload_JustPastExpiry_RefusedWithoutLeeway()
    {
        // Within the 30 s that session tokens are allowed for clock skew, but a signed URL's lifetime is exact.
        var now = DateTimeOffset.UtcNow;
        var token = JwtIssuer.Sign(
            new Dictionary<string, object> { ["url"] = "private/doc/file.txt", ["kind"] = "download", ["iat"] = now.AddSeconds(-5).ToUnixTimeSeconds(), ["exp"] = now.AddSeconds(-1).ToUnixTimeSeconds() },
            project.JwtSecret);
        using var response = await project.KeylessGetAsync($"/object/sign/private/doc/file.txt?token={token}");
        var error = await StorageCalls.AssertErrorAsync(response, "400", "InvalidJWT");
        Assert.Equal("jwt expired", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Tokens_KindsAndApiKeys_NotSwappable()
    {
        var downloadToken = Token(await SignAsync("doc/file.txt"));
        using (var upload = project.StorageRequest(HttpMethod.Put, $"/object/upload/sign/private/doc/file.txt?token={downloadToken}", content: new StringContent("overwrite")))
        using (var response = await TestHttp.Client.SendAsync(upload))
        {
            await StorageCalls.AssertErrorAsync(response, "400", "InvalidSignature");
        }

        using (var sign = project.StorageRequest(HttpMethod.Post, "/object/upload/sign/private/doc/new.txt"))
        using (var signed = await TestHttp.Client.SendAsync(sign))
        {
            var uploadToken = (await StorageCalls.ReadJsonAsync(signed)).GetProperty("token").GetString();
            using var download = await project.KeylessGetAsync($"/object/sign/private/doc/new.txt?token={uploadToken}");
            await StorageCalls.AssertErrorAsync(download, "400", "InvalidSignature");
        }

        using var withKey = await project.KeylessGetAsync($"/object/sign/private/doc/file.txt?token={project.ServiceRoleKey}");
        await StorageCalls.AssertErrorAsync(withKey, "400", "InvalidSignature");
        Assert.Equal("signed bytes", await project.DownloadTextAsync("private", "doc/file.txt"));
    }

    [Fact]
    public async Task SignedUpload_PutWithToken_CreatesObjectOnce()
    {
        using var sign = project.StorageRequest(HttpMethod.Post, "/object/upload/sign/private/uploads/u.txt");
        using var signed = await TestHttp.Client.SendAsync(sign);
        var json = await StorageCalls.ReadJsonAsync(signed);
        var url = json.GetProperty("url").GetString()!;
        Assert.StartsWith("/object/upload/sign/private/uploads/u.txt?token=", url, StringComparison.Ordinal);

        using (var put = project.StorageRequest(HttpMethod.Put, url, project.AnonKey, new StringContent("via signed url")))
        using (var response = await TestHttp.Client.SendAsync(put))
        {
            Assert.Equal("private/uploads/u.txt", (await StorageCalls.ReadJsonAsync(response)).GetProperty("Key").GetString());
        }

        Assert.Equal("via signed url", await project.DownloadTextAsync("private", "uploads/u.txt"));
        using var again = project.StorageRequest(HttpMethod.Put, url, project.AnonKey, new StringContent("second"));
        using var duplicate = await TestHttp.Client.SendAsync(again);
        await StorageCalls.AssertErrorAsync(duplicate, "409", "Duplicate");
    }

    [Fact]
    public async Task SignMany_MixedPaths_ErrorPerMissingPath()
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/object/sign/private", new { expiresIn = 60, paths = new[] { "doc/file.txt", "doc/missing.txt" } });
        var results = (await StorageCalls.ReadJsonAsync(response)).EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("signedURL").ValueKind);
        using var download = await project.KeylessGetAsync(results[0].GetProperty("signedURL").GetString()!);
        Assert.Equal("signed bytes", await download.Content.ReadAsStringAsync());
    }

    private async Task<string> SignAsync(string path)
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, $"/object/sign/private/{path}", new { expiresIn = 60 });
        return (await StorageCalls.ReadJsonAsync(response)).GetProperty("signedURL").GetString()!;
    }

    private static string Token(string signedUrl) => signedUrl[(signedUrl.IndexOf("token=", StringComparison.Ordinal) + 6)..];

    private static string Pad(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
    }
}
