using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// Input that once made /auth/v1 answer 500 with a logged stack trace, or name .NET types: each is now the
/// client's 4xx in GoTrue's shape. Postgres refuses NUL in text and jsonb, and a lone surrogate has no UTF-8.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MalformedInputTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth malformed", new { auth = new { autoconfirm = true } });

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.b.c.d.e")] // a JWE's header, {"alg":"dir","enc":"A256GCM"}
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e.x")]
    public async Task GetUser_MalformedBearer_Returns403BadJwt(string token)
    {
        var response = await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token);

        response.AssertAuthError(403, "bad_jwt");
    }

    [Fact]
    public async Task VerifyGet_NulToken_Returns400ValidationFailedWithoutAKey()
    {
        // /verify is opened from a mail without any key: the host names the project, as for a mailed link.
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.ApiUrl + "/auth/v1/verify?type=invite&token=%00");
        request.Headers.Host = $"{auth.Ref}.localhost:{new Uri(stack.ApiUrl).Port}";
        using var response = await TestHttp.Client.SendAsync(request);
        var result = await ApiResponse.ReadAsync(response);

        result.AssertStatus(400);
        Assert.Equal("validation_failed", result.Element.GetProperty("error_code").GetString());
        Assert.Equal(400, result.Element.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("/token?grant_type=password", """{"email":"a\u0000@x.com","password":"secret-123"}""")]
    [InlineData("/token?grant_type=password", """{"email":"a@x.com","password":"secret\u0000123"}""")]
    [InlineData("/token?grant_type=refresh_token", """{"refresh_token":"\u0000"}""")]
    [InlineData("/signup", """{"email":"a\u0000@x.com","password":"secret-123"}""")]
    [InlineData("/signup", """{"email":"nul-data@x.com","password":"secret-123","data":{"k":"\u0000"}}""")]
    [InlineData("/signup", """{"email":"nul-key@x.com","password":"secret-123","data":{"k\u0000":1}}""")]
    [InlineData("/signup", """{"email":"surrogate@x.com","password":"secret-123","data":{"k":"\ud800"}}""")]
    [InlineData("/signup", """{"phone":"+1555\u0000","password":"secret-123"}""")]
    [InlineData("/recover", """{"email":"a\u0000@x.com"}""")]
    [InlineData("/otp", """{"email":"a\u0000@x.com"}""")]
    [InlineData("/otp", """{"email":"otp@x.com","data":{"k":"\udc00"}}""")]
    [InlineData("/magiclink", """{"email":"a\ud800@x.com"}""")]
    [InlineData("/verify", """{"type":"email","email":"a@x.com","token":"\u0000"}""")]
    public async Task Post_TextPostgresCannotHold_Returns400ValidationFailed(string path, string body)
    {
        var response = await auth.AuthPostAsync(path, body);

        response.AssertAuthError(400, "validation_failed");
        Assert.Contains("NUL characters or unpaired UTF-16 surrogates", response.Element.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"email":"admin-nul\u0000@x.com","password":"secret-123"}""")]
    [InlineData("""{"email":"admin-meta@x.com","password":"secret-123","user_metadata":{"k":"\u0000"}}""")]
    [InlineData("""{"email":"admin-app@x.com","password":"secret-123","app_metadata":{"k":"\ud800"}}""")]
    [InlineData("""{"email":"admin-phone@x.com","phone":"\u0000"}""")]
    public async Task AdminCreateUser_TextPostgresCannotHold_Returns400ValidationFailed(string body)
    {
        var response = await auth.AuthAsync(HttpMethod.Post, "/admin/users", body, bearer: auth.ServiceRoleKey);

        response.AssertAuthError(400, "validation_failed");
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("\"text\"")]
    [InlineData("""{"email":5,"password":"x"}""")]
    [InlineData("""{"email":"a@x.com","password":{"nested":true}}""")]
    public async Task Token_JsonOfTheWrongShape_Returns400BadJsonNamingNoType(string body)
    {
        foreach (var versioned in new[] { true, false })
        {
            var response = await auth.AuthAsync(HttpMethod.Post, "/token?grant_type=password", body, versioned: versioned);

            response.AssertStatus(400);
            Assert.Equal("bad_json", response.Headers["x-sb-error-code"]);
            Assert.StartsWith("Could not parse request body as JSON", response.Element.GetProperty(versioned ? "message" : "msg").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("MadBase.", response.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", response.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("TokenParams", response.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("LineNumber", response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AdminListUsers_PagePastTheOffsetRange_ReturnsAnEmptyPage()
    {
        // (page - 1) * per_page overflowed int: 2,999,999,000 wrapped to a negative OFFSET, which Postgres refuses (was a 500).
        var response = await auth.AuthAsync(HttpMethod.Get, "/admin/users?page=3000000&per_page=1000", bearer: auth.ServiceRoleKey);

        response.AssertStatus(200);
        Assert.Equal(0, response.Element.GetProperty("users").GetArrayLength());
    }
}
