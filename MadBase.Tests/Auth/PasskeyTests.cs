using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// /passkeys, /admin/users/{id}/passkeys and WebAuthn MFA factors over HTTP, answered by a software authenticator
/// (<see cref="SoftwareAuthenticator"/>) that claims whatever origin and RP ID a test needs. The project's relying
/// party follows its site URL: RP ID app.example.com, origin https://app.example.com.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PasskeyTests(StackFixture stack) : IAsyncLifetime
{
    private const string Origin = "https://app.example.com";
    private TestProject auth = null!;

    public async Task InitializeAsync() =>
        auth = await TestProject.CreateAsync(stack, "auth passkeys", new
        {
            auth = new
            {
                site_url = Origin,
                anonymous_sign_ins = true,
                passkey = new { enabled = true, max_passkeys_per_user = 2 },
                mfa = new { web_authn = new { enroll_enabled = true, verify_enabled = true } },
            },
        });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Register_ThenSignIn_IssuesPasskeySession_AndListRenameDeleteFollow()
    {
        var email = AuthCalls.UniqueEmail("passkey");
        var (token, _, userId) = await auth.SessionAsync(email);
        var (challengeId, options) = await RegistrationOptionsAsync(token);
        Assert.Equal("app.example.com", options.GetProperty("rp").GetProperty("id").GetString());
        Assert.Equal(SoftwareAuthenticator.Base64Url(Encoding.UTF8.GetBytes(userId)), options.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(email, options.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("required", options.GetProperty("authenticatorSelection").GetProperty("residentKey").GetString());
        using var authenticator = new SoftwareAuthenticator();

        var registered = await RegisterAsync(token, challengeId, authenticator.Attestation(options, Origin));

        registered.AssertStatus(200);
        var passkeyId = registered.Element.GetProperty("id").GetString()!;
        Assert.Equal("Passkey", registered.Element.GetProperty("friendly_name").GetString());
        var (_, again) = await RegistrationOptionsAsync(token);
        Assert.Equal(authenticator.Id, again.GetProperty("excludeCredentials")[0].GetProperty("id").GetString());

        var (signInId, request) = await SignInOptionsAsync();
        Assert.Equal("app.example.com", request.GetProperty("rpId").GetString());
        Assert.Equal(0, request.GetProperty("allowCredentials").GetArrayLength());
        var session = await SignInAsync(signInId, authenticator.Assertion(request, Origin, userId));
        session.AssertStatus(200);
        var claims = AuthCalls.Claims(session.Element.GetProperty("access_token").GetString()!);
        Assert.Equal(userId, claims.GetProperty("sub").GetString());
        Assert.Equal("aal1", claims.GetProperty("aal").GetString());
        Assert.Equal("passkey", Assert.Single(claims.GetProperty("amr").EnumerateArray()).GetProperty("method").GetString());
        Assert.Equal(1L, await auth.ScalarAsync<long>("SELECT sign_count FROM auth.webauthn_credentials WHERE id = $1", Guid.Parse(passkeyId)));

        var listed = Assert.Single((await auth.AuthAsync(HttpMethod.Get, "/passkeys", bearer: token)).Element.EnumerateArray());
        Assert.Equal(passkeyId, listed.GetProperty("id").GetString());
        Assert.True(listed.TryGetProperty("last_used_at", out _));
        var renamed = await auth.AuthAsync(HttpMethod.Patch, $"/passkeys/{passkeyId}", new { friendly_name = "laptop" }, token);
        renamed.AssertStatus(200);
        Assert.Equal("laptop", renamed.Element.GetProperty("friendly_name").GetString());
        var administered = await auth.AuthAsync(HttpMethod.Get, $"/admin/users/{userId}/passkeys", bearer: auth.ServiceRoleKey);
        Assert.Equal("laptop", Assert.Single(administered.Element.EnumerateArray()).GetProperty("friendly_name").GetString());
        (await auth.AuthAsync(HttpMethod.Delete, $"/passkeys/{passkeyId}", bearer: token)).AssertStatus(204);
        Assert.Equal(0, (await auth.AuthAsync(HttpMethod.Get, "/passkeys", bearer: token)).Element.GetArrayLength());
    }

    [Fact]
    public async Task RegistrationVerify_RefusesEveryBadAnswer_AndSpendsTheChallenge()
    {
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("register-refused"));
        using var authenticator = new SoftwareAuthenticator();
        const string path = "/passkeys/registration/verify";
        (await auth.AuthPostAsync(path, new { credential = new { } }, token)).AssertAuthError(400, "validation_failed");
        (await auth.AuthPostAsync(path, new { challenge_id = Guid.NewGuid().ToString() }, token)).AssertAuthError(400, "validation_failed");
        (await auth.AuthPostAsync(path, new { challenge_id = "not-a-uuid", credential = new { } }, token)).AssertAuthError(400, "validation_failed");
        (await RegisterAsync(token, Guid.NewGuid().ToString(), new { })).AssertAuthError(400, "webauthn_challenge_not_found");

        // A wrong origin is refused, and the challenge is spent all the same.
        var (wrongOrigin, options) = await RegistrationOptionsAsync(token);
        (await RegisterAsync(token, wrongOrigin, authenticator.Attestation(options, "https://evil.example.com"))).AssertAuthError(400, "webauthn_verification_failed");
        (await RegisterAsync(token, wrongOrigin, authenticator.Attestation(options, Origin))).AssertAuthError(400, "webauthn_challenge_not_found");
        (options, var wrongRpId) = Swap(await RegistrationOptionsAsync(token));
        (await RegisterAsync(token, wrongRpId, authenticator.Attestation(options, Origin, rpId: "evil.example.com"))).AssertAuthError(400, "webauthn_verification_failed");
        var (first, _) = await RegistrationOptionsAsync(token);
        var (_, second) = await RegistrationOptionsAsync(token);
        (await RegisterAsync(token, first, authenticator.Attestation(second, Origin))).AssertAuthError(400, "webauthn_verification_failed");
        var (garbled, _) = await RegistrationOptionsAsync(token);
        (await RegisterAsync(token, garbled, new { id = "x", response = "y" })).AssertAuthError(400, "webauthn_verification_failed");
        (options, var expired) = Swap(await RegistrationOptionsAsync(token));
        await auth.ScalarAsync<object>("UPDATE auth.webauthn_challenges SET expires_at = now() - interval '1 second' WHERE id = $1", Guid.Parse(expired));
        (await RegisterAsync(token, expired, authenticator.Attestation(options, Origin))).AssertAuthError(400, "webauthn_challenge_expired");
        var (otherToken, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("register-other"));
        (options, var othersChallenge) = Swap(await RegistrationOptionsAsync(otherToken));
        (await RegisterAsync(token, othersChallenge, authenticator.Attestation(options, Origin))).AssertAuthError(400, "webauthn_challenge_not_found");

        // One credential registers once; the project allows two passkeys per user.
        (options, var good) = Swap(await RegistrationOptionsAsync(token));
        (await RegisterAsync(token, good, authenticator.Attestation(options, Origin))).AssertStatus(200);
        (options, var twice) = Swap(await RegistrationOptionsAsync(token));
        (await RegisterAsync(token, twice, authenticator.Attestation(options, Origin))).AssertAuthError(422, "webauthn_credential_exists");
        using var second2 = new SoftwareAuthenticator();
        (options, var another) = Swap(await RegistrationOptionsAsync(token));
        (await RegisterAsync(token, another, second2.Attestation(options, Origin))).AssertStatus(200);
        (await auth.AuthPostAsync("/passkeys/registration/options", new { }, token)).AssertAuthError(422, "too_many_passkeys");

        var anonymous = (await auth.AuthPostAsync("/signup", new { })).Element.GetProperty("access_token").GetString()!;
        (await auth.AuthPostAsync("/passkeys/registration/options", new { }, anonymous)).AssertAuthError(403, "no_authorization");
        (await auth.AuthPostAsync("/passkeys/registration/options", new { })).AssertAuthError(403, "bad_jwt");
    }

    [Fact]
    public async Task SignInVerify_RefusesUnknownClonedForeignAndMisdirectedAssertions()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("signin-refused"));
        var (_, otherUserId) = await SignedUpAsync();
        using var authenticator = await RegisteredAsync(token);
        using var stranger = new SoftwareAuthenticator();

        var (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, stranger.Assertion(options, Origin, userId))).AssertAuthError(400, "webauthn_verification_failed");
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, userId))).AssertAuthError(400, "webauthn_challenge_not_found");
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, "https://evil.example.com", userId))).AssertAuthError(400, "webauthn_verification_failed");
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, userId, rpId: "evil.example.com"))).AssertAuthError(400, "webauthn_verification_failed");
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, otherUserId))).AssertAuthError(400, "webauthn_verification_failed");
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, userHandle: null))).AssertAuthError(400, "webauthn_verification_failed");
        var (registration, _) = await RegistrationOptionsAsync(token);
        (await SignInAsync(registration, authenticator.Assertion(options, Origin, userId))).AssertAuthError(400, "webauthn_challenge_not_found");

        // A counter that does not grow past the stored one is a cloned authenticator.
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, userId))).AssertStatus(200);
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, userId, countUp: false))).AssertAuthError(400, "webauthn_verification_failed");

        await auth.ScalarAsync<object>("UPDATE auth.users SET banned_until = now() + interval '1 hour' WHERE id = $1", Guid.Parse(userId));
        (challengeId, options) = await SignInOptionsAsync();
        (await SignInAsync(challengeId, authenticator.Assertion(options, Origin, userId))).AssertAuthError(403, "user_banned");
    }

    [Fact]
    public async Task Manage_OtherUsersPasskeyIsNotFound_AndNamesAreChecked()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("owner"));
        var (otherToken, otherUserId) = await SignedUpAsync();
        using var authenticator = await RegisteredAsync(token);
        var passkeyId = (await auth.AuthAsync(HttpMethod.Get, "/passkeys", bearer: token)).Element[0].GetProperty("id").GetString()!;

        (await auth.AuthAsync(HttpMethod.Patch, $"/passkeys/{passkeyId}", new { friendly_name = "mine" }, otherToken)).AssertAuthError(404, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Delete, $"/passkeys/{passkeyId}", bearer: otherToken)).AssertAuthError(404, "validation_failed");
        Assert.Equal(0, (await auth.AuthAsync(HttpMethod.Get, "/passkeys", bearer: otherToken)).Element.GetArrayLength());
        (await auth.AuthAsync(HttpMethod.Patch, "/passkeys/not-a-uuid", new { friendly_name = "x" }, token)).AssertAuthError(404, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Patch, $"/passkeys/{passkeyId}", new { friendly_name = "" }, token)).AssertAuthError(400, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Patch, $"/passkeys/{passkeyId}", new { friendly_name = new string('x', 121) }, token)).AssertAuthError(400, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Get, "/passkeys")).AssertAuthError(403, "bad_jwt");

        (await auth.AuthAsync(HttpMethod.Delete, $"/admin/users/{userId}/passkeys/{passkeyId}", bearer: token)).AssertAuthError(403, "not_admin");
        (await auth.AuthAsync(HttpMethod.Delete, $"/admin/users/{otherUserId}/passkeys/{passkeyId}", bearer: auth.ServiceRoleKey)).AssertAuthError(404, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Get, $"/admin/users/{Guid.NewGuid()}/passkeys", bearer: auth.ServiceRoleKey)).AssertAuthError(404, "user_not_found");
        (await auth.AuthAsync(HttpMethod.Delete, $"/admin/users/{userId}/passkeys/{passkeyId}", bearer: auth.ServiceRoleKey)).AssertStatus(204);
        Assert.Equal(0, (await auth.AuthAsync(HttpMethod.Get, "/passkeys", bearer: token)).Element.GetArrayLength());
    }

    [Fact]
    public async Task WebAuthnFactor_CreateThenRequest_ReachesAal2_AndGuardsPasskeys()
    {
        var email = AuthCalls.UniqueEmail("webauthn-mfa");
        var (token, _, _) = await auth.SessionAsync(email);
        using var passkey = await RegisteredAsync(token);
        using var securityKey = new SoftwareAuthenticator();
        var enrolled = await auth.AuthPostAsync("/factors", new { factor_type = "webauthn", friendly_name = "key" }, token);
        enrolled.AssertStatus(200);
        Assert.Equal("webauthn", enrolled.Element.GetProperty("type").GetString());
        var factorId = enrolled.Element.GetProperty("id").GetString()!;

        var (challengeId, type, options) = await FactorChallengeAsync(token, factorId);
        Assert.Equal("create", type);
        Assert.Equal("app.example.com", options.GetProperty("rp").GetProperty("id").GetString());
        (await VerifyFactorAsync(token, factorId, challengeId, null)).AssertAuthError(400, "validation_failed");
        (await VerifyFactorAsync(token, factorId, challengeId, new { type = "other", credential_response = new { } })).AssertAuthError(400, "validation_failed");
        var created = await VerifyFactorAsync(token, factorId, challengeId, new { type = "create", credential_response = securityKey.Attestation(options, Origin) });
        created.AssertStatus(200);
        var aal2 = AuthCalls.Claims(created.Element.GetProperty("access_token").GetString()!);
        Assert.Equal("aal2", aal2.GetProperty("aal").GetString());
        Assert.Equal("mfa/webauthn", aal2.GetProperty("amr")[0].GetProperty("method").GetString());

        // A new sign-in is aal1: passkey management then needs aal2.
        var aal1 = (await auth.SignInAsync(email)).Element.GetProperty("access_token").GetString()!;
        (await auth.AuthPostAsync("/passkeys/registration/options", new { }, aal1)).AssertAuthError(403, "insufficient_aal");
        var passkeyId = (await auth.AuthAsync(HttpMethod.Get, "/passkeys", bearer: aal1)).Element[0].GetProperty("id").GetString()!;
        (await auth.AuthAsync(HttpMethod.Delete, $"/passkeys/{passkeyId}", bearer: aal1)).AssertAuthError(403, "insufficient_aal");

        (challengeId, type, options) = await FactorChallengeAsync(aal1, factorId);
        Assert.Equal("request", type);
        Assert.Equal(securityKey.Id, options.GetProperty("allowCredentials")[0].GetProperty("id").GetString());
        (await VerifyFactorAsync(aal1, factorId, challengeId, new { type = "request", credential_response = passkey.Assertion(options, Origin, null) }))
            .AssertAuthError(400, "webauthn_verification_failed");
        (await VerifyFactorAsync(aal1, factorId, challengeId, new { type = "request", credential_response = securityKey.Assertion(options, Origin, null) }))
            .AssertAuthError(422, "mfa_factor_not_found");
        (challengeId, _, options) = await FactorChallengeAsync(aal1, factorId);
        var raised = await VerifyFactorAsync(aal1, factorId, challengeId, new { type = "request", credential_response = securityKey.Assertion(options, Origin, null) });
        raised.AssertStatus(200);
        var raisedToken = raised.Element.GetProperty("access_token").GetString()!;
        Assert.Equal("aal2", AuthCalls.Claims(raisedToken).GetProperty("aal").GetString());
        (challengeId, _, options) = await FactorChallengeAsync(raisedToken, factorId);
        (await VerifyFactorAsync(raisedToken, factorId, challengeId, new { type = "request", credential_response = securityKey.Assertion(options, Origin, null, countUp: false) }))
            .AssertAuthError(400, "webauthn_verification_failed");
        (await auth.AuthAsync(HttpMethod.Delete, $"/passkeys/{passkeyId}", bearer: raisedToken)).AssertStatus(204);
    }

    private static (JsonElement Options, string ChallengeId) Swap((string ChallengeId, JsonElement Options) pair) => (pair.Options, pair.ChallengeId);

    private async Task<(string Token, string UserId)> SignedUpAsync()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("other"));
        return (token, userId);
    }

    private async Task<(string ChallengeId, JsonElement Options)> RegistrationOptionsAsync(string token)
    {
        var response = await auth.AuthPostAsync("/passkeys/registration/options", new { }, token);
        response.AssertStatus(200);
        Assert.True(response.Element.GetProperty("expires_at").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return (response.Element.GetProperty("challenge_id").GetString()!, response.Element.GetProperty("options"));
    }

    private Task<ApiResponse> RegisterAsync(string token, string challengeId, object credential) =>
        auth.AuthPostAsync("/passkeys/registration/verify", new { challenge_id = challengeId, credential }, token);

    private async Task<(string ChallengeId, JsonElement Options)> SignInOptionsAsync()
    {
        var response = await auth.AuthPostAsync("/passkeys/authentication/options", new { });
        response.AssertStatus(200);
        return (response.Element.GetProperty("challenge_id").GetString()!, response.Element.GetProperty("options"));
    }

    private Task<ApiResponse> SignInAsync(string challengeId, object credential) =>
        auth.AuthPostAsync("/passkeys/authentication/verify", new { challenge_id = challengeId, credential });

    private async Task<SoftwareAuthenticator> RegisteredAsync(string token)
    {
        var authenticator = new SoftwareAuthenticator();
        var (challengeId, options) = await RegistrationOptionsAsync(token);
        (await RegisterAsync(token, challengeId, authenticator.Attestation(options, Origin))).AssertStatus(200);
        return authenticator;
    }

    private async Task<(string ChallengeId, string Type, JsonElement Options)> FactorChallengeAsync(string token, string factorId)
    {
        var response = await auth.AuthPostAsync($"/factors/{factorId}/challenge", new { webauthn = new { rpId = "ignored", rpOrigins = new[] { "ignored" } } }, token);
        response.AssertStatus(200);
        var webauthn = response.Element.GetProperty("webauthn");
        return (response.Element.GetProperty("id").GetString()!, webauthn.GetProperty("type").GetString()!,
            webauthn.GetProperty("credential_options").GetProperty("publicKey"));
    }

    private Task<ApiResponse> VerifyFactorAsync(string token, string factorId, string challengeId, object? webauthn) =>
        auth.AuthPostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, webauthn }, token);
}
