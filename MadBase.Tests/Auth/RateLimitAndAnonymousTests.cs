using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class RateLimitAndAnonymousTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() =>
        auth = await TestProject.CreateAsync(stack, "auth limits", new
        {
            auth = new { anonymous_sign_ins = true, rate_limit_token_refresh = 3, rate_limit_anonymous_users = 2, rate_limit_otp = 2 },
        });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Token_OverProjectLimit_Returns429OverRequestRateLimit()
    {
        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((int)(await auth.SignInAsync(AuthCalls.UniqueEmail("limit"))).Status);
        }

        Assert.Equal([400, 400, 400, 429], statuses);
        (await auth.SignInAsync(AuthCalls.UniqueEmail("limit"))).AssertAuthError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task Recover_OverOtpLimit_Returns429()
    {
        (await auth.AuthPostAsync("/recover", new { email = AuthCalls.UniqueEmail("r") })).AssertStatus(200);
        (await auth.AuthPostAsync("/recover", new { email = AuthCalls.UniqueEmail("r") })).AssertStatus(200);

        (await auth.AuthPostAsync("/recover", new { email = AuthCalls.UniqueEmail("r") })).AssertAuthError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task SignupAnonymously_Enabled_ReturnsAnonymousSessionThenLimits()
    {
        var first = await auth.AuthPostAsync("/signup", new { data = new { guest = true } });

        first.AssertStatus(200);
        var user = first.Element.GetProperty("user");
        Assert.True(user.GetProperty("is_anonymous").GetBoolean());
        Assert.Equal(string.Empty, user.GetProperty("email").GetString());
        Assert.Equal(0, user.GetProperty("identities").GetArrayLength());
        var claims = AuthCalls.Claims(first.Element.GetProperty("access_token").GetString()!);
        Assert.True(claims.GetProperty("is_anonymous").GetBoolean());
        Assert.Equal("anonymous", claims.GetProperty("amr")[0].GetProperty("method").GetString());
        Assert.Equal("authenticated", claims.GetProperty("role").GetString());

        (await auth.AuthPostAsync("/signup", new { })).AssertStatus(200);
        (await auth.AuthPostAsync("/signup", new { })).AssertAuthError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task Jwks_Hs256Project_ReturnsEmptyKeySet()
    {
        var response = await auth.AuthAsync(HttpMethod.Get, "/.well-known/jwks.json");

        response.AssertStatus(200);
        Assert.Equal(0, response.Element.GetProperty("keys").GetArrayLength());
    }
}
