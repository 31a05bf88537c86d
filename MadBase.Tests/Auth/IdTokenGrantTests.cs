using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// POST /token?grant_type=id_token (auth-js signInWithIdToken) with ID tokens signed by the real local OIDC
/// provider's published key, checked against its JWKS: the good one signs in, every bad one is refused.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class IdTokenGrantTests(StackFixture stack, OidcProviderFixture provider) : IAsyncLifetime, IClassFixture<OidcProviderFixture>
{
    private const string ClientId = "madbase-mobile-app";

    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth id token", new
    {
        auth = new
        {
            external = new { oidc = OidcSettings },
        },
    });

    private object OidcSettings => new { enabled = true, client_id = "other-app," + ClientId, secret = "unused-for-id-tokens", url = provider.Issuer };

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ValidToken_ByProviderOrIssuer_SignsInTheSameNewUser()
    {
        var sub = "sub-" + Guid.NewGuid();
        var email = AuthCalls.UniqueEmail("idtoken");

        var byName = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = await TokenAsync(sub, email) });
        var byIssuer = await auth.AuthPostAsync(
            "/token?grant_type=id_token", new { client_id = ClientId, issuer = provider.Issuer, id_token = await TokenAsync(sub, email) });

        byName.AssertStatus(200);
        byIssuer.AssertStatus(200);
        var user = byName.Element.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.Equal(user.GetProperty("id").GetString(), byIssuer.Element.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(sub, Assert.Single(user.GetProperty("identities").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Nonce_HashMustMatchTheRawNonceSent()
    {
        var raw = "raw-nonce-" + Guid.NewGuid();
        var hashed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)));
        var token = await TokenAsync("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("nonce"), new() { ["nonce"] = hashed });

        var mismatch = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = token, nonce = "other" });
        var missing = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = token });
        var good = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = token, nonce = raw });

        mismatch.AssertStatus(400);
        Assert.Equal("Nonces mismatch", mismatch.Element.GetProperty("error_description").GetString());
        missing.AssertStatus(400);
        Assert.Equal("Passed nonce and nonce in id_token should either both exist or not.", missing.Element.GetProperty("error_description").GetString());
        good.AssertStatus(200);
    }

    [Theory]
    [InlineData("expired", "Bad ID token")]
    [InlineData("issuer", "Bad ID token")]
    [InlineData("foreign key", "Bad ID token")]
    [InlineData("audience", "Unacceptable audience in id_token: [someone-else]")]
    [InlineData("no sub", "Missing sub claim in id_token")]
    public async Task BadToken_Refused(string flaw, string description)
    {
        var email = AuthCalls.UniqueEmail("bad");
        var extra = flaw switch
        {
            "expired" => new Dictionary<string, object> { ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds() },
            "issuer" => new() { ["iss"] = "https://accounts.example.com" },
            "audience" => new() { ["aud"] = "someone-else" },
            "no sub" => new() { ["sub"] = string.Empty },
            _ => [],
        };
        var token = await TokenAsync("sub-" + Guid.NewGuid(), email, extra, foreignKey: flaw == "foreign key");

        var response = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = token });

        response.AssertStatus(400);
        Assert.Equal(description, response.Element.GetProperty("error_description").GetString());
        Assert.Equal(0L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.users WHERE email = $1", email));
    }

    [Fact]
    public async Task OtherProviders_StillNotEnabled()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=id_token", new { provider = "google", id_token = await TokenAsync("s", "g@example.com") });

        response.AssertAuthError(400, "provider_disabled");
    }

    [Fact]
    public async Task ManyGrants_OverTokenRateLimit_Return429()
    {
        var limited = await TestProject.CreateAsync(stack, "auth id token limit", new { auth = new { rate_limit_token_refresh = 2, external = new { oidc = OidcSettings } } });
        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var token = await TokenAsync("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("limit"));
            statuses.Add((int)(await limited.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = token })).Status);
        }

        Assert.Equal([200, 200, 429], statuses);
        (await limited.AuthPostAsync("/token?grant_type=id_token", new { provider = "oidc", id_token = "x.y.z" })).AssertAuthError(429, "over_request_rate_limit");
    }

    private Task<string> TokenAsync(string sub, string email, Dictionary<string, object>? extra = null, bool foreignKey = false)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["aud"] = ClientId,
            ["iat"] = now,
            ["exp"] = now + 600,
            ["email"] = email,
            ["email_verified"] = true,
            ["name"] = "Mobile User",
        };
        foreach (var (key, value) in extra ?? [])
        {
            claims[key] = value;
        }

        return provider.SignAsync(claims, foreignKey);
    }
}
