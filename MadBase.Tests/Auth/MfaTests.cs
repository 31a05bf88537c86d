using System.Net.Http.Headers;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;
using OtpNet;

namespace MadBase.Tests.Auth;

/// <summary>/factors and the admin factor routes over HTTP, with codes computed from the enrolled secret as an authenticator app does.</summary>
[Collection(StackCollection.Name)]
public sealed class MfaTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() =>
        auth = await TestProject.CreateAsync(stack, "auth mfa", new
        {
            auth = new { anonymous_sign_ins = true, mfa = new { max_enrolled_factors = 3, rate_limit_challenge_and_verify = 12 } },
        });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Enroll_Totp_ReturnsKeyUriAndSvgQrCodeAndListsUnverifiedFactor()
    {
        var email = AuthCalls.UniqueEmail("enroll");
        var (token, _, _) = await auth.SessionAsync(email);

        var enrolled = await auth.AuthPostAsync("/factors", new { factor_type = "totp", friendly_name = "phone app", issuer = "Acme Co" }, token);

        enrolled.AssertStatus(200);
        var json = enrolled.Element;
        Assert.Equal("totp", json.GetProperty("type").GetString());
        Assert.Equal("phone app", json.GetProperty("friendly_name").GetString());
        var secret = json.GetProperty("totp").GetProperty("secret").GetString()!;
        Assert.Matches("^[A-Z2-7]{32}$", secret);
        Assert.Equal(
            $"otpauth://totp/Acme%20Co:{email}?algorithm=SHA1&digits=6&issuer=Acme%20Co&period=30&secret={secret}",
            json.GetProperty("totp").GetProperty("uri").GetString());
        Assert.StartsWith("<svg", json.GetProperty("totp").GetProperty("qr_code").GetString(), StringComparison.Ordinal);
        var user = (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element;
        var factor = Assert.Single(user.GetProperty("factors").EnumerateArray());
        Assert.Equal(json.GetProperty("id").GetString(), factor.GetProperty("id").GetString());
        Assert.Equal("unverified", factor.GetProperty("status").GetString());
        Assert.Equal("totp", factor.GetProperty("factor_type").GetString());
        Assert.Equal(JsonValueKind.Null, factor.GetProperty("last_challenged_at").ValueKind);
        Assert.Equal("aal1", AuthCalls.Claims(token).GetProperty("aal").GetString());
    }

    [Fact]
    public async Task Verify_RightCode_RaisesSessionToAal2AndRefreshKeepsIt()
    {
        var email = AuthCalls.UniqueEmail("verify");
        var (token, _, userId) = await auth.SessionAsync(email);
        var (other, otherRefresh) = await SignInAsync(email);
        var (factorId, secret) = await EnrollAsync(token, "app");

        var verified = await ChallengeAndVerifyAsync(token, factorId, Code(secret));

        verified.AssertStatus(200);
        var aal2 = verified.Element.GetProperty("access_token").GetString()!;
        var claims = AuthCalls.Claims(aal2);
        Assert.Equal("aal2", claims.GetProperty("aal").GetString());
        Assert.Equal("totp", claims.GetProperty("amr")[0].GetProperty("method").GetString());
        Assert.Equal("password", claims.GetProperty("amr")[1].GetProperty("method").GetString());
        Assert.Equal(AuthCalls.Claims(token).GetProperty("session_id").GetString(), claims.GetProperty("session_id").GetString());
        Assert.Equal(userId, verified.Element.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("verified", verified.Element.GetProperty("user").GetProperty("factors")[0].GetProperty("status").GetString());

        var refreshed = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = verified.Element.GetProperty("refresh_token").GetString() });
        refreshed.AssertStatus(200);
        Assert.Equal("aal2", AuthCalls.Claims(refreshed.Element.GetProperty("access_token").GetString()!).GetProperty("aal").GetString());

        // GoTrue ends the user's sessions still at aal1 once a factor is verified.
        (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: other)).AssertAuthError(403, "session_not_found");
        (await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = otherRefresh })).AssertAuthError(400, "refresh_token_not_found");
    }

    [Fact]
    public async Task Verify_RefusesWrongEmptyReplayedCodesAndSpentUnknownOrExpiredChallenges()
    {
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("refuse"));
        var (factorId, secret) = await EnrollAsync(token, "app");
        var challenge = await ChallengeAsync(token, factorId);

        (await VerifyAsync(token, factorId, challenge, "000000" == Code(secret) ? "111111" : "000000")).AssertAuthError(422, "mfa_verification_failed");
        (await VerifyAsync(token, factorId, challenge, string.Empty)).AssertAuthError(400, "validation_failed");
        (await VerifyAsync(token, factorId, Guid.NewGuid().ToString(), Code(secret))).AssertAuthError(422, "mfa_factor_not_found");
        (await auth.AuthPostAsync($"/factors/{factorId}/verify", """{"challenge_id":"not-a-uuid","code":"123456"}""", token)).AssertAuthError(400, "bad_json");
        var code = Code(secret);
        var used = await VerifyAsync(token, factorId, challenge, code);
        used.AssertStatus(200);
        var aal2 = used.Element.GetProperty("access_token").GetString()!;

        (await VerifyAsync(aal2, factorId, challenge, Code(secret, 1))).AssertAuthError(422, "mfa_ip_address_mismatch");
        (await VerifyAsync(aal2, factorId, await ChallengeAsync(aal2, factorId), code)).AssertAuthError(422, "mfa_verification_failed");
        var stale = await ChallengeAsync(aal2, factorId);
        await auth.ScalarAsync<object>("UPDATE auth.mfa_challenges SET created_at = now() - interval '301 seconds' WHERE id = $1", Guid.Parse(stale));
        (await VerifyAsync(aal2, factorId, stale, Code(secret, 1))).AssertAuthError(422, "mfa_challenge_expired");
        Assert.Equal(0L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.mfa_challenges WHERE id = $1", Guid.Parse(stale)));
        (await ChallengeAndVerifyAsync(aal2, factorId, Code(secret, 1))).AssertStatus(200);
    }

    [Fact]
    public async Task Enroll_GoTrueLimitsAndUnsupportedTypes_AreRefused()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("limits"));

        (await auth.AuthPostAsync("/factors", new { factor_type = "phone", phone = "+15555550100" }, token)).AssertAuthError(422, "mfa_phone_enroll_not_enabled");
        (await auth.AuthPostAsync("/factors", new { factor_type = "webauthn" }, token)).AssertAuthError(422, "mfa_webauthn_enroll_not_enabled");
        (await auth.AuthPostAsync("/factors", new { factor_type = "sms" }, token)).AssertAuthError(400, "validation_failed");
        // Without a session the anon key is the bearer, and it has no subject (GoTrue answers the same).
        (await auth.AuthPostAsync("/factors", new { factor_type = "totp" })).AssertAuthError(403, "bad_jwt");
        var (first, secret) = await EnrollAsync(token, "one");
        (await auth.AuthPostAsync("/factors", new { factor_type = "totp", friendly_name = "one" }, token)).AssertAuthError(422, "mfa_factor_name_conflict");
        await EnrollAsync(token, "two");
        await EnrollAsync(token, "three");
        (await auth.AuthPostAsync("/factors", new { factor_type = "totp", friendly_name = "four" }, token)).AssertAuthError(422, "too_many_enrolled_mfa_factors");

        // Verifying one removes the other unverified TOTP factors; a further one then needs aal2.
        var aal2 = (await ChallengeAndVerifyAsync(token, first, Code(secret))).Element.GetProperty("access_token").GetString()!;
        Assert.Equal(1L, await auth.ScalarAsync<long>("SELECT count(*) FROM auth.mfa_factors WHERE user_id = $1", Guid.Parse(userId)));
        var (aal1, _) = await SignInAsync(AuthCalls.Claims(token).GetProperty("email").GetString()!);
        (await auth.AuthPostAsync("/factors", new { factor_type = "totp", friendly_name = "five" }, aal1)).AssertAuthError(403, "insufficient_aal");
        (await auth.AuthPostAsync("/factors", new { factor_type = "totp", friendly_name = "five" }, aal2)).AssertStatus(200);

        var anonymous = (await auth.AuthPostAsync("/signup", new { })).Element.GetProperty("access_token").GetString()!;
        (await auth.AuthPostAsync("/factors", new { factor_type = "totp" }, anonymous)).AssertAuthError(403, "no_authorization");
    }

    [Fact]
    public async Task Unenroll_VerifiedFactorNeedsAal2_ThenSessionFallsBackToAal1()
    {
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("unenroll"));
        var (unverified, _) = await EnrollAsync(token, "spare");
        (await auth.AuthAsync(HttpMethod.Delete, $"/factors/{unverified}", bearer: token)).AssertStatus(200);
        var (factorId, secret) = await EnrollAsync(token, "app");
        var verified = (await ChallengeAndVerifyAsync(token, factorId, Code(secret))).Element;
        var aal2 = verified.GetProperty("access_token").GetString()!;
        var (aal1, _) = await SignInAsync(AuthCalls.Claims(token).GetProperty("email").GetString()!);

        (await auth.AuthAsync(HttpMethod.Delete, $"/factors/{factorId}", bearer: aal1)).AssertAuthError(422, "insufficient_aal");
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "another-secret" }, aal1)).AssertAuthError(401, "insufficient_aal");
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { data = new { theme = "dark" } }, aal1)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "another-secret" }, aal2)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Delete, "/factors/not-a-uuid", bearer: aal2)).AssertAuthError(404, "validation_failed");
        (await auth.AuthAsync(HttpMethod.Delete, $"/factors/{Guid.NewGuid()}", bearer: aal2)).AssertAuthError(404, "mfa_factor_not_found");
        var removed = await auth.AuthAsync(HttpMethod.Delete, $"/factors/{factorId}", bearer: aal2);

        removed.AssertStatus(200);
        Assert.Equal(factorId, removed.Element.GetProperty("id").GetString());
        var refreshed = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = verified.GetProperty("refresh_token").GetString() });
        var claims = AuthCalls.Claims(refreshed.Element.GetProperty("access_token").GetString()!);
        Assert.Equal("aal1", claims.GetProperty("aal").GetString());
        Assert.DoesNotContain(claims.GetProperty("amr").EnumerateArray(), e => e.GetProperty("method").GetString() == "totp");
        Assert.False(refreshed.Element.GetProperty("user").TryGetProperty("factors", out _));
    }

    [Fact]
    public async Task ChallengeAndVerify_OverProjectLimit_Return429()
    {
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("rate"));
        var (factorId, _) = await EnrollAsync(token, "app");
        var statuses = new List<int>();
        for (var i = 0; i < 13; i++)
        {
            statuses.Add((int)(await auth.AuthPostAsync($"/factors/{factorId}/challenge", new { }, token)).Status);
        }

        Assert.Equal([.. Enumerable.Repeat(200, 12), 429], statuses);
        (await auth.AuthPostAsync($"/factors/{factorId}/challenge", new { }, token)).AssertAuthError(429, "over_request_rate_limit");
    }

    [Fact]
    public async Task AdminFactors_ListAndDelete_DowngradeTheUsersSessions()
    {
        var (token, _, userId) = await auth.SessionAsync(AuthCalls.UniqueEmail("admin"));
        var (factorId, secret) = await EnrollAsync(token, "app");
        var verified = (await ChallengeAndVerifyAsync(token, factorId, Code(secret))).Element;

        var listed = await AdminAsync(HttpMethod.Get, $"/admin/users/{userId}/factors");
        var renamed = await AdminAsync(HttpMethod.Put, $"/admin/users/{userId}/factors/{factorId}", new { friendly_name = "renamed" });
        var notAdmin = await auth.AuthAsync(HttpMethod.Get, $"/admin/users/{userId}/factors", bearer: token);
        var badId = await AdminAsync(HttpMethod.Get, "/admin/users/nope/factors");
        var deleted = await AdminAsync(HttpMethod.Delete, $"/admin/users/{userId}/factors/{factorId}");

        listed.AssertStatus(200);
        var factor = Assert.Single(listed.Element.EnumerateArray());
        Assert.Equal("verified", factor.GetProperty("status").GetString());
        Assert.Equal("renamed", renamed.Element.GetProperty("friendly_name").GetString());
        notAdmin.AssertAuthError(403, "not_admin");
        badId.AssertAuthError(404, "validation_failed");
        deleted.AssertStatus(200);
        Assert.Equal(factorId, deleted.Element.GetProperty("id").GetString());
        (await AdminAsync(HttpMethod.Delete, $"/admin/users/{userId}/factors/{factorId}")).AssertAuthError(404, "mfa_factor_not_found");
        Assert.Equal("[]", (await AdminAsync(HttpMethod.Get, $"/admin/users/{userId}/factors")).Body);
        var refreshed = await auth.AuthPostAsync("/token?grant_type=refresh_token", new { refresh_token = verified.GetProperty("refresh_token").GetString() });
        Assert.Equal("aal1", AuthCalls.Claims(refreshed.Element.GetProperty("access_token").GetString()!).GetProperty("aal").GetString());
    }

    [Fact]
    public async Task Rest_PolicyOnJwtAal_ShowsRowsOnlyToAal2Sessions()
    {
        await auth.ScalarAsync<object>("""
            CREATE TABLE public.secrets (id serial PRIMARY KEY, body text);
            ALTER TABLE public.secrets ENABLE ROW LEVEL SECURITY;
            CREATE POLICY aal2_only ON public.secrets AS RESTRICTIVE TO authenticated USING ((auth.jwt() ->> 'aal') = 'aal2');
            CREATE POLICY everyone ON public.secrets TO authenticated USING (true);
            INSERT INTO public.secrets (body) VALUES ('launch codes');
            """);
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("rls"));
        var (factorId, secret) = await EnrollAsync(token, "app");
        var aal2 = (await ChallengeAndVerifyAsync(token, factorId, Code(secret))).Element.GetProperty("access_token").GetString()!;
        var (aal1, _) = await SignInAsync(AuthCalls.Claims(token).GetProperty("email").GetString()!);
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await RestAsync("/rest/v1/secrets?limit=0", aal1)).Status == 200, "the secrets table");

        var seenAtAal1 = await RestAsync("/rest/v1/secrets?select=body", aal1);
        var seenAtAal2 = await RestAsync("/rest/v1/secrets?select=body", aal2);

        Assert.Equal("[]", seenAtAal1.Body);
        seenAtAal2.AssertStatus(200);
        Assert.Equal("launch codes", Assert.Single(seenAtAal2.Element.EnumerateArray()).GetProperty("body").GetString());
    }

    /// <summary>The code of the 30-second step <paramref name="steps"/> away from now (the server accepts one either side).</summary>
    private static string Code(string secret, int steps = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * steps));

    private async Task<(string AccessToken, string RefreshToken)> SignInAsync(string email)
    {
        var signedIn = await auth.SignInAsync(email);
        signedIn.AssertStatus(200);
        return (signedIn.Element.GetProperty("access_token").GetString()!, signedIn.Element.GetProperty("refresh_token").GetString()!);
    }

    private async Task<(string Id, string Secret)> EnrollAsync(string token, string name)
    {
        var enrolled = await auth.AuthPostAsync("/factors", new { factor_type = "totp", friendly_name = name }, token);
        enrolled.AssertStatus(200);
        return (enrolled.Element.GetProperty("id").GetString()!, enrolled.Element.GetProperty("totp").GetProperty("secret").GetString()!);
    }

    private async Task<string> ChallengeAsync(string token, string factorId)
    {
        var challenge = await auth.AuthPostAsync($"/factors/{factorId}/challenge", new { }, token);
        challenge.AssertStatus(200);
        Assert.Equal("totp", challenge.Element.GetProperty("type").GetString());
        Assert.InRange(
            challenge.Element.GetProperty("expires_at").GetInt64() - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 290, 310);
        return challenge.Element.GetProperty("id").GetString()!;
    }

    private Task<ApiResponse> VerifyAsync(string token, string factorId, string challengeId, string code) =>
        auth.AuthPostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code }, token);

    private async Task<ApiResponse> ChallengeAndVerifyAsync(string token, string factorId, string code) =>
        await VerifyAsync(token, factorId, await ChallengeAsync(token, factorId), code);

    private async Task<ApiResponse> AdminAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, auth.Stack.ApiUrl + "/auth/v1" + path);
        request.Headers.Add("apikey", auth.ServiceRoleKey);
        request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.ServiceRoleKey);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    private async Task<ApiResponse> RestAsync(string path, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, auth.Stack.ApiUrl + path);
        request.Headers.Add("apikey", auth.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }
}
