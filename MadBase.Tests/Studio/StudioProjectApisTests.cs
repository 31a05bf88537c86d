using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Auth;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Studio;

/// <summary>
/// Studio's Auth, Storage, Logs and Health routes: the project's own APIs reached as its owner through Control,
/// a user's sessions read as the database's owner, the gateway's recent-requests log, and each service's health.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class StudioProjectApisTests(SecondStackFixture stack)
{
    private async Task<(TestProject Project, StudioSession Session)> OpenAsync() =>
        (await TestProject.SharedAsync(stack, "studio-apis", "SELECT 1"), await StudioSession.StartAsync(stack.Stack));

    [Fact]
    public async Task Auth_CreateSearchSessionsBanInviteDelete_AsTheProjectsOwner()
    {
        var (project, session) = await OpenAsync();
        var tag = Guid.NewGuid().ToString("N")[..10];
        var email = $"studio-{tag}@example.com";

        var created = await session.ProjectAsync(HttpMethod.Post, project, "/auth/admin/users",
            new { email, password = "secret-123", email_confirm = true });
        created.AssertStatus(200);
        var id = created.Element.GetProperty("id").GetString()!;
        Assert.Equal("email", created.Element.GetProperty("identities")[0].GetProperty("provider").GetString());

        var found = await session.ProjectAsync(HttpMethod.Get, project, $"/auth/admin/users?filter={tag}&per_page=10");
        found.AssertStatus(200);
        Assert.Equal([email], found.Element.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("email").GetString()));
        Assert.Equal("1", found.Header("X-Total-Count"));
        var wildcard = await session.ProjectAsync(HttpMethod.Get, project, "/auth/admin/users?filter=%25");
        Assert.Empty(wildcard.Element.GetProperty("users").EnumerateArray()); // % is a character to find, not a wildcard

        (await project.SignInAsync(email)).AssertStatus(200);
        var sessions = await session.ProjectAsync(HttpMethod.Get, project, $"/users/{id}/sessions");
        sessions.AssertStatus(200);
        Assert.Single(sessions.Element.EnumerateArray());
        StudioAssert.Error(await session.ProjectAsync(HttpMethod.Get, project, "/users/not-a-uuid/sessions"), 400);

        var banned = await session.ProjectAsync(HttpMethod.Put, project, $"/auth/admin/users/{id}", new { ban_duration = "24h" });
        banned.AssertStatus(200);
        Assert.True(banned.Element.GetProperty("banned_until").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
        Assert.Equal(400, (int)(await project.SignInAsync(email)).Status);

        var invited = $"invited-{tag}@example.com";
        (await session.ProjectAsync(HttpMethod.Post, project, "/auth/invite", new { email = invited })).AssertStatus(200);
        var mail = await session.SendAsync(HttpMethod.Get, $"/admin/v1/projects/{project.Ref}/mail?to={invited}");
        mail.AssertStatus(200);
        Assert.Equal("invite", mail.Element[0].GetProperty("kind").GetString());

        (await session.ProjectAsync(HttpMethod.Delete, project, $"/auth/admin/users/{id}")).AssertStatus(200);
        var gone = await session.ProjectAsync(HttpMethod.Get, project, $"/auth/admin/users?filter={email}");
        Assert.Empty(gone.Element.GetProperty("users").EnumerateArray());
    }

    [Theory]
    [InlineData("/auth/token?grant_type=password")]
    [InlineData("/auth/admin/../token")]
    [InlineData("/auth/admin/%2e%2e/token")]
    [InlineData("/storage/object/../../auth/v1/admin/users")]
    [InlineData("/storage/s3/bucket")]
    public async Task ProjectApis_OtherRoutes_NotForwarded(string suffix)
    {
        var (project, session) = await OpenAsync();

        StudioAssert.Error(await session.ProjectAsync(HttpMethod.Post, project, suffix, new { }), 404);
    }

    [Fact]
    public async Task Storage_BucketUploadListDownloadSignMoveDelete_AsTheProjectsOwner()
    {
        var (project, session) = await OpenAsync();
        var bucket = "studio-" + Guid.NewGuid().ToString("N")[..8];
        var root = $"/studio/api/projects/{project.Ref}/storage";

        (await session.ProjectAsync(HttpMethod.Post, project, "/storage/bucket",
            new { name = bucket, @public = false, file_size_limit = 1000, allowed_mime_types = new[] { "text/plain" } })).AssertStatus(200);

        var uploaded = await session.SendContentAsync(HttpMethod.Post, $"{root}/object/{bucket}/docs/hello%20world.txt", Text("hello, studio"));
        uploaded.AssertStatus(200);
        var tooBig = await session.SendContentAsync(HttpMethod.Post, $"{root}/object/{bucket}/docs/big.txt", Text(new string('x', 2000)));
        Assert.Equal("413", tooBig.Element.GetProperty("statusCode").GetString()); // storage-api's shape: a 400 naming the real status
        var wrongType = await session.SendContentAsync(HttpMethod.Post, $"{root}/object/{bucket}/docs/x.html", Text("<p>", "text/html"));
        Assert.Equal("415", wrongType.Element.GetProperty("statusCode").GetString());

        var listed = await session.ProjectAsync(HttpMethod.Post, project, $"/storage/object/list/{bucket}", new { prefix = "docs/" });
        listed.AssertStatus(200);
        Assert.Equal(["hello world.txt"], listed.Element.EnumerateArray().Select(o => o.GetProperty("name").GetString()));

        var downloaded = await session.SendAsync(HttpMethod.Get, $"{root}/object/{bucket}/docs/hello%20world.txt");
        downloaded.AssertStatus(200);
        Assert.Equal("hello, studio", downloaded.Body);
        Assert.StartsWith("sandbox", downloaded.Header("Content-Security-Policy"), StringComparison.Ordinal);

        var signed = await session.ProjectAsync(HttpMethod.Post, project, $"/storage/object/sign/{bucket}/docs/hello%20world.txt", new { expiresIn = 60 });
        signed.AssertStatus(200);
        var signedUrl = signed.Element.GetProperty("signedURL").GetString()!;
        // As Studio shows it: with the (public) anon key naming the project, which is not the default one.
        using (var response = await TestHttp.Client.GetAsync($"{stack.ApiUrl}/storage/v1{signedUrl}&apikey={project.AnonKey}"))
        {
            Assert.Equal("hello, studio", await response.Content.ReadAsStringAsync());
        }

        (await session.ProjectAsync(HttpMethod.Post, project, "/storage/object/move",
            new { bucketId = bucket, sourceKey = "docs/hello world.txt", destinationKey = "archive/hello.txt" })).AssertStatus(200);
        (await session.SendAsync(HttpMethod.Get, $"{root}/object/{bucket}/archive/hello.txt")).AssertStatus(200);

        (await session.ProjectAsync(HttpMethod.Delete, project, $"/storage/object/{bucket}", new { prefixes = new[] { "archive/hello.txt" } })).AssertStatus(200);
        Assert.Equal(400, (int)(await session.SendAsync(HttpMethod.Get, $"{root}/object/{bucket}/archive/hello.txt")).Status);
    }

    [Fact]
    public async Task Storage_UploadOverKestrelsDefaultBodyLimit_StreamsThroughControl()
    {
        var (project, session) = await OpenAsync();
        var bucket = "studio-big-" + Guid.NewGuid().ToString("N")[..8];
        var root = $"/studio/api/projects/{project.Ref}/storage";
        const int size = 31 * 1024 * 1024; // Kestrel refuses bodies over 30 MB unless told otherwise
        (await session.ProjectAsync(HttpMethod.Post, project, "/storage/bucket", new { name = bucket })).AssertStatus(200);

        var content = new ByteArrayContent(new byte[size]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var uploaded = await session.SendContentAsync(HttpMethod.Post, $"{root}/object/{bucket}/big.bin", content);

        uploaded.AssertStatus(200);
        var info = await session.ProjectAsync(HttpMethod.Get, project, $"/storage/object/info/{bucket}/big.bin");
        info.AssertStatus(200);
        Assert.Equal(size, info.Element.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Requests_ListTheProjectsOwnRecentRequests_OnlyForItsServiceKey()
    {
        var (project, session) = await OpenAsync();
        var requestId = "studio-" + Guid.NewGuid().ToString("N");

        (await project.SendAsync(HttpMethod.Get, "/rest/v1/?select=secret", headers: ("X-Request-Id", requestId))).AssertStatus(200);

        var listed = await session.ProjectAsync(HttpMethod.Get, project, "/requests?limit=50");
        listed.AssertStatus(200);
        var entry = listed.Element.EnumerateArray().Single(r => r.GetProperty("request_id").GetString() == requestId);
        Assert.Equal("GET", entry.GetProperty("method").GetString());
        Assert.Equal("/rest/v1/", entry.GetProperty("path").GetString());
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
        Assert.True(entry.GetProperty("duration_ms").GetDouble() > 0);
        var badLimit = await session.ProjectAsync(HttpMethod.Get, project, "/requests?limit=abc");
        Assert.Equal(400, badLimit.Element.GetProperty("code").GetInt32());
        var other = await session.SendAsync(HttpMethod.Get, "/studio/api/projects/default/requests");
        Assert.DoesNotContain(requestId, other.Body, StringComparison.Ordinal);

        using var anon = new HttpRequestMessage(HttpMethod.Get, stack.ApiUrl + "/gateway/v1/requests");
        anon.Headers.Add("apikey", project.AnonKey);
        using var refused = await TestHttp.Client.SendAsync(anon);
        Assert.Equal(401, (int)refused.StatusCode);
    }

    [Fact]
    public async Task Health_ListsControlGatewayAndEveryWorker()
    {
        var session = await StudioSession.StartAsync(stack.Stack);

        var health = await session.SendAsync(HttpMethod.Get, "/studio/api/health");

        health.AssertStatus(200);
        var services = health.Element.GetProperty("services").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal(["control", "gateway", "worker-1"], services.Keys.Take(3));
        Assert.All(services.Values, status => Assert.Contains(status, (string[])["Healthy", "Degraded"]));
    }

    private static StringContent Text(string text, string type = "text/plain")
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }
}
