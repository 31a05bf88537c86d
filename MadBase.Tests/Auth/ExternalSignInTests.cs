using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// GET /authorize, /callback and POST /token?grant_type=id_token against a real OIDC provider on loopback
/// (tools/oidc-provider): the project's <c>oidc</c> provider, and <c>google</c> pointed at the same server.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ExternalSignInTests(StackFixture stack, OidcProviderFixture provider) : IAsyncLifetime, IClassFixture<OidcProviderFixture>
{
    private const string App = "http://127.0.0.1:3000/app";

    private TestProject auth = null!;
    private string clientSecret = null!;

    public async Task InitializeAsync()
    {
        auth = await TestProject.CreateAsync(stack, "auth oauth", new { auth = new { security_manual_linking_enabled = true } });
        var callback = $"{stack.ApiUrl}/auth/v1/callback?apikey={auth.AnonKey}";
        var (clientId, secret) = await provider.RegisterClientAsync(callback);
        clientSecret = secret;
        var settings = new { enabled = true, client_id = clientId, secret, url = provider.Issuer, redirect_uri = callback };
        await auth.PatchSettingsAsync(new { auth = new { external = new { oidc = settings, google = settings } } });
        await TestProject.UntilEveryWorkerAsync(
            async () => (await auth.AuthAsync(HttpMethod.Get, "/settings")).Element.GetProperty("external").GetProperty("oidc").GetBoolean(),
            "the oidc provider");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("oidc")]
    [InlineData("google")]
    public async Task Pkce_NewAccount_CreatesUserWithIdentityAndExchangesCode(string name)
    {
        var account = new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("pkce"));
        var verifier = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var browser = new OAuthBrowser(provider.Issuer);

        var landed = await browser.SignInAsync(AuthorizeUrl(name, Challenge(verifier)), account);

        Assert.StartsWith(App + "?code=", landed.ToString(), StringComparison.Ordinal);
        var code = OAuthBrowser.Parameters(landed.Query)["code"]!;
        (await auth.AuthPostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = "wrong" + verifier })).AssertAuthError(403, "bad_code_verifier");
        var session = await auth.AuthPostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = verifier });
        session.AssertStatus(200);
        var user = session.Element.GetProperty("user");
        Assert.Equal(account.Email, user.GetProperty("email").GetString());
        Assert.True(user.TryGetProperty("email_confirmed_at", out _));
        Assert.Equal(name, user.GetProperty("app_metadata").GetProperty("provider").GetString());
        var identity = Assert.Single(user.GetProperty("identities").EnumerateArray());
        Assert.Equal(name, identity.GetProperty("provider").GetString());
        Assert.Equal(account.Sub, identity.GetProperty("id").GetString());
        Assert.Equal(provider.Issuer, identity.GetProperty("identity_data").GetProperty("iss").GetString());
        Assert.Equal(account.Name, user.GetProperty("user_metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Implicit_ReturningAccount_SignsInSameUserWithTokensInFragment()
    {
        var account = new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("implicit"));
        using var browser = new OAuthBrowser(provider.Issuer);

        var first = OAuthBrowser.Parameters((await browser.SignInAsync(AuthorizeUrl("oidc"), account)).Fragment);
        var second = OAuthBrowser.Parameters((await browser.SignInAsync(AuthorizeUrl("oidc"), account)).Fragment);

        Assert.Equal("bearer", second["token_type"]);
        Assert.False(string.IsNullOrEmpty(second["provider_token"]));
        Assert.False(string.IsNullOrEmpty(second["refresh_token"]));
        Assert.Equal(AuthCalls.Claims(first["access_token"]!).GetProperty("sub").GetString(), AuthCalls.Claims(second["access_token"]!).GetProperty("sub").GetString());
        var user = await auth.AuthAsync(HttpMethod.Get, "/user", bearer: second["access_token"]);
        user.AssertStatus(200);
        Assert.Single(user.Element.GetProperty("identities").EnumerateArray());
        Assert.Equal("oauth", AuthCalls.Claims(second["access_token"]!).GetProperty("amr")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task Callback_TamperedState_RefusedAndNoUserCreated()
    {
        var account = new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("state"));
        using var browser = new OAuthBrowser(provider.Issuer);

        var landed = await browser.SignInAsync(
            AuthorizeUrl("oidc"), account, toCallback: callback => OAuthBrowser.WithParameter(callback, "state", Guid.NewGuid().ToString()));

        var error = OAuthBrowser.Parameters(landed.Query);
        Assert.Equal("bad_oauth_state", error["error_code"]);
        Assert.Equal("OAuth state not found or expired", error["error_description"]);
        Assert.Equal(0L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.users WHERE email = $1", account.Email));
    }

    [Fact]
    public async Task Callback_TamperedNonce_RefusedAndNoUserCreated()
    {
        var account = new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("nonce"));
        using var browser = new OAuthBrowser(provider.Issuer);

        var landed = await browser.SignInAsync(AuthorizeUrl("oidc"), account, toProvider: auth => OAuthBrowser.WithParameter(auth, "nonce", "attacker-chosen"));

        var error = OAuthBrowser.Parameters(landed.Query);
        Assert.StartsWith(App, landed.ToString(), StringComparison.Ordinal);
        Assert.Equal("bad_oauth_callback", error["error_code"]);
        Assert.Equal("the id_token's nonce does not match the flow's", error["error_description"]);
        Assert.Equal(0L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.users WHERE email = $1", account.Email));
    }

    [Fact]
    public async Task Callback_ReplayedPkceCallback_RefusedAsAlreadyUsed()
    {
        var account = new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("replay"));
        using var browser = new OAuthBrowser(provider.Issuer);
        Uri? callback = null;

        await browser.SignInAsync(AuthorizeUrl("oidc", Challenge(new string('v', 50))), account, toCallback: url => callback = url);
        var replayed = await browser.SignInAsync(callback!.ToString(), account);

        Assert.Equal("flow_state_already_used", OAuthBrowser.Parameters(replayed.Query)["error_code"]);
    }

    [Fact]
    public async Task Callback_ProviderError_PassedBackToApp()
    {
        using var browser = new OAuthBrowser(provider.Issuer);

        // As when the user cancels on the provider's page: the provider answers the flow's state with an error.
        var denied = await browser.SignInAsync(AuthorizeUrl("oidc"), new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("denied")), toCallback: url =>
            new Uri($"{url.GetLeftPart(UriPartial.Path)}?apikey={auth.AnonKey}&state={OAuthBrowser.Parameters(url.Query)["state"]}&error=access_denied&error_description=cancelled"));

        Assert.StartsWith(App + "?", denied.ToString(), StringComparison.Ordinal);
        Assert.Equal("access_denied", OAuthBrowser.Parameters(denied.Query)["error"]);
        Assert.Equal("cancelled", OAuthBrowser.Parameters(denied.Query)["error_description"]);
    }

    [Fact]
    public async Task SignIn_VerifiedEmailOfExistingUser_LinksIdentityToThatUser()
    {
        var email = AuthCalls.UniqueEmail("linked");
        var (_, _, userId) = await auth.SessionAsync(email);
        using var browser = new OAuthBrowser(provider.Issuer);

        var landed = await browser.SignInAsync(AuthorizeUrl("oidc"), new ProviderAccount("sub-" + Guid.NewGuid(), email));

        var token = OAuthBrowser.Parameters(landed.Fragment)["access_token"]!;
        Assert.Equal(userId, AuthCalls.Claims(token).GetProperty("sub").GetString());
        var user = (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element;
        Assert.Equal(["email", "oidc"], user.GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("provider").GetString()));
        Assert.Equal(["email", "oidc"], user.GetProperty("app_metadata").GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task SignIn_UnverifiedEmailOfExistingUser_NeverLinks()
    {
        var email = AuthCalls.UniqueEmail("unverified");
        var (_, _, userId) = await auth.SessionAsync(email);
        using var browser = new OAuthBrowser(provider.Issuer);

        var landed = await browser.SignInAsync(AuthorizeUrl("oidc"), new ProviderAccount("sub-" + Guid.NewGuid(), email, EmailVerified: false));

        Assert.Equal("email_exists", OAuthBrowser.Parameters(landed.Query)["error_code"]);
        Assert.Equal(1L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.identities WHERE user_id = $1::uuid", userId));
    }

    [Theory]
    [InlineData("/authorize?provider=github", 400, "validation_failed")]
    [InlineData("/authorize?provider=oidc&code_challenge=short&code_challenge_method=s256", 400, "validation_failed")]
    [InlineData("/authorize?provider=oidc&code_challenge_method=s256", 400, "validation_failed")]
    [InlineData("/authorize?provider=oidc&code_challenge=0123456789012345678901234567890123456789abc&code_challenge_method=md5", 400, "validation_failed")]
    public async Task Authorize_BadInput_AnswersGoTruesError(string path, int status, string code) =>
        (await auth.AuthAsync(HttpMethod.Get, path)).AssertAuthError(status, code);

    [Fact]
    public async Task Authorize_RedirectOutsideAllowList_FallsBackToSiteUrl()
    {
        using var browser = new OAuthBrowser(provider.Issuer);

        var landed = await browser.SignInAsync(
            $"{auth.Stack.ApiUrl}/auth/v1/authorize?provider=oidc&apikey={auth.AnonKey}&redirect_to={Uri.EscapeDataString("https://evil.example.com/steal")}",
            new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("allow")));

        Assert.Equal("http://127.0.0.1:3000/", landed.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task Settings_ListExternalProvidersAsGoTrue()
    {
        var external = (await auth.AuthAsync(HttpMethod.Get, "/settings")).Element.GetProperty("external");

        Assert.True(external.GetProperty("oidc").GetBoolean());
        Assert.True(external.GetProperty("google").GetBoolean());
        Assert.False(external.GetProperty("github").GetBoolean());
        Assert.True(external.GetProperty("email").GetBoolean());
    }

    [Fact]
    public async Task LinkIdentity_ThenUnlink_LastIdentityNeverRemovable()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("link"));
        var account = new ProviderAccount("sub-" + Guid.NewGuid(), AuthCalls.UniqueEmail("elsewhere"));
        using var browser = new OAuthBrowser(provider.Issuer);

        var linked = OAuthBrowser.Parameters((await browser.SignInAsync(await LinkUrlAsync(token), account)).Fragment);
        var again = OAuthBrowser.Parameters((await browser.SignInAsync(await LinkUrlAsync(token), account)).Query);
        var (otherToken, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("other"));
        var taken = OAuthBrowser.Parameters((await browser.SignInAsync(await LinkUrlAsync(otherToken), account)).Query);

        Assert.Equal(userId, AuthCalls.Claims(linked["access_token"]!).GetProperty("sub").GetString());
        Assert.Equal("Identity is already linked", again["error_description"]);
        Assert.Equal("Identity is already linked to another user", taken["error_description"]);
        var identities = (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element.GetProperty("identities").EnumerateArray()
            .ToDictionary(i => i.GetProperty("provider").GetString()!, i => i.GetProperty("identity_id").GetString()!);
        Assert.Equal(["email", "oidc"], identities.Keys.Order());

        (await auth.AuthAsync(HttpMethod.Delete, "/user/identities/not-a-uuid", bearer: token)).AssertAuthError(404, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Delete, $"/user/identities/{Guid.NewGuid()}", bearer: token)).AssertAuthError(422, "identity_not_found");
        var othersIdentity = Assert.Single((await auth.AuthAsync(HttpMethod.Get, "/user", bearer: otherToken)).Element.GetProperty("identities").EnumerateArray());
        (await auth.AuthAsync(HttpMethod.Delete, $"/user/identities/{othersIdentity.GetProperty("identity_id")}", bearer: token)).AssertAuthError(422, "identity_not_found");
        (await auth.AuthAsync(HttpMethod.Delete, $"/user/identities/{identities["email"]}", bearer: token)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Delete, $"/user/identities/{identities["oidc"]}", bearer: token)).AssertAuthError(422, "single_identity_not_deletable");

        var user = (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element;
        Assert.Equal(identities["oidc"], Assert.Single(user.GetProperty("identities").EnumerateArray()).GetProperty("identity_id").GetString());
        Assert.Equal("oidc", user.GetProperty("app_metadata").GetProperty("provider").GetString());
        Assert.Equal(["oidc"], user.GetProperty("app_metadata").GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task LinkIdentity_WithoutSkipRedirect_RedirectsToProvider()
    {
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("redirect"));

        var response = await auth.AuthAsync(HttpMethod.Get, "/user/identities/authorize?provider=oidc", bearer: token);

        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.Status);
        Assert.StartsWith(provider.Issuer + "/auth?", response.Header("Location"), StringComparison.Ordinal);
        (await auth.AuthAsync(HttpMethod.Get, "/user/identities/authorize?provider=github", bearer: token)).AssertAuthError(400, "validation_failed");
    }

    [Theory]
    [InlineData("""{"github":{"enabled":true}}""", "settings.auth.external.github.client_id is required when the provider is enabled")]
    [InlineData("""{"github":{"enabled":true,"client_id":"x"}}""", "settings.auth.external.github.secret is required when the provider is enabled")]
    [InlineData("""{"oidc":{"enabled":true,"client_id":"x","secret":"y","url":null}}""", "settings.auth.external.oidc.url (the issuer) is required when the provider is enabled")]
    [InlineData("""{"myspace":{"enabled":true}}""", "settings.auth.external.myspace is not a supported provider (one of apple, azure, discord, github, gitlab, google, oidc)")]
    [InlineData("""{"gitlab":{"url":"ftp://gitlab.example.com"}}""", "settings.auth.external.gitlab.url must be an absolute http(s) URL")]
    [InlineData("""{"gitlab":{"redirect_uri":"/callback"}}""", "settings.auth.external.gitlab.redirect_uri must be an absolute http(s) URL")]
    [InlineData("""{"github":{"enabled":"yes"}}""", "settings.auth.external.github.enabled is unknown or has the wrong type")]
    public async Task PatchSettings_BadProvider_Returns400AndKeepsSettings(string external, string message)
    {
        var response = await auth.AdminAsync(HttpMethod.Patch, body: "{\"settings\":{\"auth\":{\"external\":" + external + "}}}");

        response.AssertStatus(400);
        Assert.Equal(message, response.Element.GetProperty("error").GetString());
        Assert.True((await auth.AuthAsync(HttpMethod.Get, "/settings")).Element.GetProperty("external").GetProperty("oidc").GetBoolean());
    }

    [Fact]
    public async Task GetProject_ShowsProviderSecretMasked()
    {
        var oidc = (await auth.AdminAsync(HttpMethod.Get)).Element.GetProperty("settings").GetProperty("auth").GetProperty("external").GetProperty("oidc");

        Assert.Equal("****" + clientSecret[^4..], oidc.GetProperty("secret").GetString());
        Assert.Equal(provider.Issuer, oidc.GetProperty("url").GetString());
    }

    private async Task<string> LinkUrlAsync(string token)
    {
        var response = await auth.AuthAsync(HttpMethod.Get, $"/user/identities/authorize?provider=oidc&skip_http_redirect=true&redirect_to={Uri.EscapeDataString(App)}", bearer: token);
        response.AssertStatus(200);
        return response.Element.GetProperty("url").GetString()!;
    }

    private string AuthorizeUrl(string name, string? challenge = null) =>
        $"{auth.Stack.ApiUrl}/auth/v1/authorize?provider={name}&apikey={auth.AnonKey}&redirect_to={Uri.EscapeDataString(App)}"
        + (challenge is null ? string.Empty : $"&code_challenge={challenge}&code_challenge_method=s256");

    private static string Challenge(string verifier) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
