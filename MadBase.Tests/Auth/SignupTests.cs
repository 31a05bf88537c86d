using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class SignupTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth signup");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Signup_Autoconfirm_ReturnsSessionWithGoTrueClaims()
    {
        var email = AuthCalls.UniqueEmail("claims");
        var response = await auth.SignUpAsync(email, data: new { name = "Ann" });

        response.AssertStatus(200);
        var body = response.Element;
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3600, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(12, body.GetProperty("refresh_token").GetString()!.Length);
        var user = body.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.Equal("Ann", user.GetProperty("user_metadata").GetProperty("name").GetString());
        Assert.Equal("email", user.GetProperty("identities")[0].GetProperty("provider").GetString());
        Assert.True(user.TryGetProperty("email_confirmed_at", out _));

        var claims = AuthCalls.Claims(body.GetProperty("access_token").GetString()!);
        string[] expected = ["iss", "sub", "aud", "exp", "iat", "email", "phone", "app_metadata", "user_metadata", "role", "aal", "amr", "session_id", "is_anonymous"];
        Assert.Equal(expected, claims.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(user.GetProperty("id").GetString(), claims.GetProperty("sub").GetString());
        Assert.Equal("authenticated", claims.GetProperty("aud").GetString());
        Assert.Equal("authenticated", claims.GetProperty("role").GetString());
        Assert.Equal("email", claims.GetProperty("app_metadata").GetProperty("provider").GetString());
        Assert.Equal("password", claims.GetProperty("amr")[0].GetProperty("method").GetString());
        Assert.Equal(body.GetProperty("expires_at").GetInt64(), claims.GetProperty("exp").GetInt64());
        Assert.Equal(3600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.False(claims.GetProperty("is_anonymous").GetBoolean());
    }

    [Fact]
    public async Task Signup_ExistingEmail_Returns422UserAlreadyExists()
    {
        var email = AuthCalls.UniqueEmail("dup");
        (await auth.SignUpAsync(email)).AssertStatus(200);

        var again = await auth.SignUpAsync(email.ToUpperInvariant());

        again.AssertAuthError(422, "user_already_exists");
    }

    [Fact]
    public async Task Signup_ShortPassword_Returns422WeakPasswordWithReasons()
    {
        var response = await auth.SignUpAsync(AuthCalls.UniqueEmail("weak"), "12345");

        response.AssertAuthError(422, "weak_password");
        Assert.Equal("length", response.Element.GetProperty("weak_password").GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task Signup_PasswordOver72Bytes_Returns422ValidationFailed()
    {
        var response = await auth.SignUpAsync(AuthCalls.UniqueEmail("long"), new string('é', 37));

        response.AssertAuthError(422, "validation_failed");
    }

    [Fact]
    public async Task Signup_MissingPassword_Returns422ValidationFailed()
    {
        var response = await auth.AuthPostAsync("/signup", new { email = AuthCalls.UniqueEmail("nopw") });

        response.AssertAuthError(422, "validation_failed");
    }

    [Fact]
    public async Task Signup_InvalidEmail_Returns400()
    {
        var response = await auth.SignUpAsync("not-an-email");

        response.AssertAuthError(400, "email_address_invalid");
    }

    [Fact]
    public async Task Signup_MalformedJson_Returns400BadJson()
    {
        var response = await auth.AuthPostAsync("/signup", "{\"email\": ");

        response.AssertAuthError(400, "bad_json");
    }

    [Fact]
    public async Task Signup_NoEmailWithAnonymousDisabled_Returns422AnonymousProviderDisabled()
    {
        var response = await auth.AuthPostAsync("/signup", new { data = new { } });

        response.AssertAuthError(422, "anonymous_provider_disabled");
    }

    [Fact]
    public async Task Signup_LegacyClient_GetsLegacyErrorShape()
    {
        var email = AuthCalls.UniqueEmail("legacy");
        (await auth.SignUpAsync(email)).AssertStatus(200);

        var response = await auth.AuthAsync(HttpMethod.Post, "/signup", new { email, password = "secret-123" }, versioned: false);

        response.AssertStatus(422);
        Assert.Equal(422, response.Element.GetProperty("code").GetInt32());
        Assert.Equal("user_already_exists", response.Element.GetProperty("error_code").GetString());
        Assert.Equal("User already registered", response.Element.GetProperty("msg").GetString());
        Assert.Equal("user_already_exists", response.Headers["x-sb-error-code"]);
        Assert.False(response.Headers.ContainsKey("X-Supabase-Api-Version"));
    }

    [Fact]
    public async Task Signup_WritesAuditEntries()
    {
        var email = AuthCalls.UniqueEmail("audit");
        var (_, _, userId) = await auth.SessionAsync(email);

        var actions = await auth.ScalarAsync<string>(
            "SELECT string_agg(payload->>'action', ',' ORDER BY created_at, payload->>'action') FROM auth.audit_log_entries WHERE payload->>'actor_id' = $1",
            userId);

        Assert.Contains("user_signedup", actions);
        Assert.Contains("login", actions);
    }
}
