using MadBase.Tests.Infrastructure;
using Org.BouncyCastle.Crypto.Generators;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class TokenTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth token");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task PasswordGrant_RightPassword_ReturnsNewSession()
    {
        var email = AuthCalls.UniqueEmail("signin");
        var (first, _, userId) = await auth.SessionAsync(email);

        var response = await auth.SignInAsync(email.ToUpperInvariant());

        response.AssertStatus(200);
        var token = response.Element.GetProperty("access_token").GetString()!;
        Assert.Equal(userId, AuthCalls.Claims(token).GetProperty("sub").GetString());
        Assert.NotEqual(AuthCalls.Claims(first).GetProperty("session_id").GetString(), AuthCalls.Claims(token).GetProperty("session_id").GetString());
        Assert.True(response.Element.GetProperty("user").TryGetProperty("last_sign_in_at", out _));
    }

    [Fact]
    public async Task PasswordGrant_WrongPasswordOrUnknownEmail_Returns400InvalidCredentialsWithOneMessage()
    {
        var email = AuthCalls.UniqueEmail("wrong");
        await auth.SessionAsync(email);

        var wrong = await auth.SignInAsync(email, "not-the-password");
        var unknown = await auth.SignInAsync(AuthCalls.UniqueEmail("nobody"));

        wrong.AssertAuthError(400, "invalid_credentials");
        unknown.AssertAuthError(400, "invalid_credentials");
        Assert.Equal(wrong.Element.GetProperty("message").GetString(), unknown.Element.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PasswordGrant_MissingEmail_Returns400ValidationFailed()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=password", new { password = "x" });

        response.AssertAuthError(400, "validation_failed");
    }

    [Fact]
    public async Task Token_UnknownGrantType_Returns400()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=magic", new { });

        response.AssertAuthError(400, "invalid_credentials");
        Assert.Equal("unsupported_grant_type", response.Element.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("2a")]
    [InlineData("2b")]
    [InlineData("2y")]
    public async Task PasswordGrant_ImportedBcryptHash_Verifies(string version)
    {
        // A user moved in from a Supabase project keeps its hash; every bcrypt variant GoTrue may hold verifies.
        var email = AuthCalls.UniqueEmail("import" + version);
        var hash = OpenBsdBCrypt.Generate(version, "imported-pw".ToCharArray(), new byte[16], 10);
        await auth.ScalarAsync<object>(
            """
            INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data,
                raw_user_meta_data, created_at, updated_at)
            VALUES ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', $1, $2, now(),
                '{"provider":"email","providers":["email"]}', '{}', now(), now())
            """,
            email,
            hash);

        (await auth.SignInAsync(email, "imported-pw")).AssertStatus(200);
        (await auth.SignInAsync(email, "imported-px")).AssertAuthError(400, "invalid_credentials");
    }

    [Fact]
    public async Task RefreshGrant_ValidToken_RotatesToChild()
    {
        var (_, refresh, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("rotate"));

        var response = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = refresh });

        response.AssertStatus(200);
        var child = response.Element.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(refresh, child);
        Assert.Equal(userId, response.Element.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(refresh, await auth.ScalarAsync<string>("SELECT parent FROM auth.refresh_tokens WHERE token = $1", child));
        Assert.True(await auth.ScalarAsync<bool>("SELECT revoked FROM auth.refresh_tokens WHERE token = $1", refresh));
    }

    [Fact]
    public async Task RefreshGrant_ParentOfActiveToken_ReturnsActiveToken()
    {
        var (_, refresh, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("parent"));
        var first = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = refresh });

        var again = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = refresh });

        again.AssertStatus(200);
        Assert.Equal(first.Element.GetProperty("refresh_token").GetString(), again.Element.GetProperty("refresh_token").GetString());
    }

    [Fact]
    public async Task RefreshGrant_UnknownToken_Returns400RefreshTokenNotFound()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = "nonexistent1" });

        response.AssertAuthError(400, "refresh_token_not_found");
    }

    [Fact]
    public async Task RefreshGrant_MissingToken_Returns400ValidationFailed()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { });

        response.AssertAuthError(400, "validation_failed");
    }

    [Fact]
    public async Task RefreshGrant_LoggedOutSession_Returns400()
    {
        var (access, refresh, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("gone"));
        (await auth.AuthPostAsync("/logout", bearer: access)).AssertStatus(204);

        var response = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = refresh });

        response.AssertAuthError(400, "refresh_token_not_found");
    }
}
