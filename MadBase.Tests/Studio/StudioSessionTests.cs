using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Studio;

/// <summary>Studio's page and sign-in through the gateway: the cookie, its CSRF token, and every refusal.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class StudioSessionTests(SecondStackFixture stack)
{
    [Fact]
    public async Task Page_ServedThroughGateway_WithSecurityHeaders()
    {
        using var page = await TestHttp.Client.GetAsync(stack.ApiUrl + "/studio/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"app.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", string.Join(";", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(page.Headers.Contains("Access-Control-Allow-Origin"));

        foreach (var (file, type) in new[] { ("app.js", "text/javascript"), ("studio.css", "text/css"), ("tables.js", "text/javascript") })
        {
            using var asset = await TestHttp.Client.GetAsync($"{stack.ApiUrl}/studio/{file}");
            Assert.Equal(200, (int)asset.StatusCode);
            Assert.Equal(type, asset.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Path_WithoutSlash_RedirectsRelatively()
    {
        using var response = await TestHttp.Client.GetAsync(stack.ApiUrl + "/studio");

        Assert.Equal(302, (int)response.StatusCode);
        Assert.Equal("/studio/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignIn_SetsExpiringHttpOnlyStrictCookie()
    {
        var before = DateTimeOffset.UtcNow;
        var response = await StudioSession.SignInAsync(stack.Stack, new { password = stack.AdminPassword });

        response.AssertStatus(200);
        var cookie = response.Header("Set-Cookie")!.ToLowerInvariant();
        Assert.StartsWith("madbase_studio=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/", cookie, StringComparison.Ordinal);
        var expires = response.Element.GetProperty("expires_at").GetDateTimeOffset();
        Assert.InRange(expires, before.AddMinutes(479), DateTimeOffset.UtcNow.AddMinutes(481));
        Assert.False(string.IsNullOrEmpty(response.Element.GetProperty("csrf_token").GetString()));
        Assert.Equal(stack.ApiUrl, response.Element.GetProperty("public_url").GetString());
    }

    [Theory]
    [InlineData("{\"password\":\"wrong\"}", 401)]
    [InlineData("{}", 401)]
    [InlineData("{\"password\":", 400)]
    [InlineData("[]", 400)]
    [InlineData("{\"password\":1}", 400)]
    public async Task SignIn_BadInput_RefusedInErrorShape(string body, int status)
    {
        var response = await StudioSession.SignInAsync(stack.Stack, body);

        StudioAssert.Error(response, status);
        Assert.Null(response.Header("Set-Cookie"));
    }

    [Fact]
    public async Task Session_OpensAdminApi_OnlyWithItsCsrfToken()
    {
        var session = await StudioSession.StartAsync(stack.Stack);

        (await session.SendAsync(HttpMethod.Get, "/admin/v1/projects")).AssertStatus(200);
        (await session.SendAsync(HttpMethod.Get, "/studio/api/session", csrf: null)).AssertStatus(200);
        StudioAssert.Error(await session.SendAsync(HttpMethod.Get, "/admin/v1/projects", csrf: null), 403);
        StudioAssert.Error(await session.SendAsync(HttpMethod.Post, "/admin/v1/projects", new { name = "forged" }, csrf: "forged"), 403);
        var other = await StudioSession.StartAsync(stack.Stack);
        StudioAssert.Error(await session.SendAsync(HttpMethod.Get, "/admin/v1/projects", csrf: other.CsrfToken), 403);
    }

    [Fact]
    public async Task Session_TamperedCookie_Refused()
    {
        var session = await StudioSession.StartAsync(stack.Stack);
        var tampered = session with { Cookie = session.Cookie[..^4] + "AAAA" };

        StudioAssert.Error(await tampered.SendAsync(HttpMethod.Get, "/admin/v1/projects"), 401);
        StudioAssert.Error(await tampered.SendAsync(HttpMethod.Get, "/studio/api/session"), 401);
    }

    [Fact]
    public async Task SignOut_ClearsTheCookie()
    {
        var session = await StudioSession.StartAsync(stack.Stack);

        var response = await session.SendAsync(HttpMethod.Delete, "/studio/api/session");

        response.AssertStatus(204);
        Assert.Contains("madbase_studio=;", response.Header("Set-Cookie"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/studio/api/session")]
    [InlineData("DELETE", "/studio/api/session")]
    [InlineData("GET", "/studio/api/projects/default/tables")]
    [InlineData("POST", "/studio/api/projects/default/tables")]
    [InlineData("GET", "/studio/api/projects/default/tables/public/x")]
    [InlineData("GET", "/studio/api/projects/default/tables/public/x/rows")]
    [InlineData("POST", "/studio/api/projects/default/tables/public/x/rows")]
    [InlineData("PATCH", "/studio/api/projects/default/tables/public/x/rows")]
    [InlineData("DELETE", "/studio/api/projects/default/tables/public/x/rows")]
    [InlineData("POST", "/studio/api/projects/default/sql")]
    [InlineData("GET", "/studio/api/projects/default/auth/admin/users")]
    [InlineData("POST", "/studio/api/projects/default/auth/invite")]
    [InlineData("GET", "/studio/api/projects/default/users/00000000-0000-0000-0000-000000000000/sessions")]
    [InlineData("POST", "/studio/api/projects/default/storage/object/b/x.txt")]
    [InlineData("GET", "/studio/api/projects/default/requests")]
    [InlineData("GET", "/studio/api/health")]
    public async Task Api_WithoutSession_Returns401(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), stack.ApiUrl + path)
        {
            Content = new StringContent("{\"query\":\"drop table x\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await TestHttp.Client.SendAsync(request);

        StudioAssert.Error(await ApiResponse.ReadAsync(response), 401);
    }

    [Fact]
    public async Task Api_WithAdminBearer_Works()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.ApiUrl + "/studio/api/projects/default/tables");
        request.Headers.Authorization = new("Bearer", stack.AdminPassword);
        using var response = await TestHttp.Client.SendAsync(request);

        (await ApiResponse.ReadAsync(response)).AssertStatus(200);
    }
}
