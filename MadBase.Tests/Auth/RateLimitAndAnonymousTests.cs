using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class RateLimitAndAnonymousTests(StackFixture stack) : IAsyncLifetime
{
    private AuthClient auth = null!;

    public async Task InitializeAsync() =>
        auth = await AuthClient.CreateAsync(stack, "auth limits", new
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
            statuses.Add((await auth.SignInAsync(AuthClient.UniqueEmail("limit"))).Status);
        }

        Assert.Equal([400, 400, 400, 429], statuses);
        (await auth.SignInAsync(AuthClient.UniqueEmail("limit"))).AssertError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task Recover_OverOtpLimit_Returns429()
    {
        (await auth.PostAsync("/recover", new { email = AuthClient.UniqueEmail("r") })).AssertStatus(200);
        (await auth.PostAsync("/recover", new { email = AuthClient.UniqueEmail("r") })).AssertStatus(200);

        (await auth.PostAsync("/recover", new { email = AuthClient.UniqueEmail("r") })).AssertError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task SignupAnonymously_Enabled_ReturnsAnonymousSessionThenLimits()
    {
        var first = await auth.PostAsync("/signup", new { data = new { guest = true } });

        first.AssertStatus(200);
        var user = first.Json.GetProperty("user");
        Assert.True(user.GetProperty("is_anonymous").GetBoolean());
        Assert.Equal(string.Empty, user.GetProperty("email").GetString());
        Assert.Equal(0, user.GetProperty("identities").GetArrayLength());
        var claims = AuthClient.Claims(first.Json.GetProperty("access_token").GetString()!);
        Assert.True(claims.GetProperty("is_anonymous").GetBoolean());
        Assert.Equal("anonymous", claims.GetProperty("amr")[0].GetProperty("method").GetString());
        Assert.Equal("authenticated", claims.GetProperty("role").GetString());

        (await auth.PostAsync("/signup", new { })).AssertStatus(200);
        (await auth.PostAsync("/signup", new { })).AssertError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task Jwks_Hs256Project_ReturnsEmptyKeySet()
    {
        var response = await auth.SendAsync(HttpMethod.Get, "/.well-known/jwks.json");

        response.AssertStatus(200);
        Assert.Equal(0, response.Json.GetProperty("keys").GetArrayLength());
    }
}
