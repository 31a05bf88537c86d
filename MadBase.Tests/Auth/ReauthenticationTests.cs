using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>GET /reauthenticate and PUT /user's nonce under secure password change, as GoTrue's reauthenticate.go and user.go.</summary>
[Collection(StackCollection.Name)]
public sealed class ReauthenticationTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() =>
        auth = await TestProject.CreateAsync(stack, "auth reauthenticate", new
        {
            auth = new { security_update_password_require_reauthentication = true, smtp_max_frequency_seconds = 60, phone_enabled = true },
        });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task PasswordChange_SessionOlderThanADay_NeedsTheMailedNonceOnce()
    {
        var email = AuthCalls.UniqueEmail("reauth");
        var (token, _, _) = await auth.SessionAsync(email);
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "recent-session" }, token)).AssertStatus(200);
        await auth.ScalarAsync<object>(
            "UPDATE auth.sessions SET created_at = now() - interval '25 hours' WHERE id = $1",
            Guid.Parse(AuthCalls.Claims(token).GetProperty("session_id").GetString()!));

        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session" }, token)).AssertAuthError(400, "reauthentication_needed");
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session", nonce = "123456" }, token)).AssertAuthError(422, "reauthentication_not_valid");
        var sent = await auth.AuthAsync(HttpMethod.Get, "/reauthenticate", bearer: token);
        sent.AssertStatus(200);
        Assert.Equal("{}", sent.Body);
        (await auth.AuthAsync(HttpMethod.Get, "/reauthenticate", bearer: token)).AssertAuthError(429, "over_email_send_rate_limit");
        var mail = (await auth.MailsAsync(email)).First();
        Assert.Equal("reauthentication", mail.GetProperty("kind").GetString());
        var nonce = mail.GetProperty("otp").GetString()!;
        Assert.Equal($"{nonce} is your verification code", mail.GetProperty("subject").GetString());

        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session", nonce }, token)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session-2", nonce }, token)).AssertAuthError(422, "reauthentication_not_valid");
        (await auth.SignInAsync(email, "old-session")).AssertStatus(200);
    }

    [Fact]
    public async Task PasswordChange_PhoneOnlyUser_NeedsTheSmsNonce_AndAdminCanMoveTheNumber()
    {
        var (first, second, other) = (PhoneTests.UniquePhone(), PhoneTests.UniquePhone(), PhoneTests.UniquePhone());
        var created = await auth.AuthAsync(HttpMethod.Post, "/admin/users", new { phone = first, password = "secret-123" }, auth.ServiceRoleKey);
        created.AssertStatus(200);
        var id = created.Element.GetProperty("id").GetString();
        (await auth.AuthAsync(HttpMethod.Post, "/admin/users", new { phone = other, password = "secret-123" }, auth.ServiceRoleKey)).AssertStatus(200);
        (await auth.AuthPostAsync("/token?grant_type=password", new { phone = first, password = "secret-123" })).AssertAuthError(400, "phone_not_confirmed");

        // The admin moves the user to a new, confirmed number; the phone identity follows; another user's number is refused.
        (await auth.AuthAsync(HttpMethod.Put, $"/admin/users/{id}", new { phone = other }, auth.ServiceRoleKey)).AssertAuthError(422, "phone_exists");
        var moved = await auth.AuthAsync(HttpMethod.Put, $"/admin/users/{id}", new { phone = "+" + second, phone_confirm = true }, auth.ServiceRoleKey);
        moved.AssertStatus(200);
        Assert.Equal(second, moved.Element.GetProperty("phone").GetString());
        Assert.True(moved.Element.TryGetProperty("phone_confirmed_at", out _));
        var identity = Assert.Single(moved.Element.GetProperty("identities").EnumerateArray());
        Assert.Equal(second, identity.GetProperty("identity_data").GetProperty("phone").GetString());
        (await auth.AuthPostAsync("/token?grant_type=password", new { phone = first, password = "secret-123" })).AssertAuthError(400, "invalid_credentials");
        var signedIn = await auth.AuthPostAsync("/token?grant_type=password", new { phone = second, password = "secret-123" });
        signedIn.AssertStatus(200);
        var token = signedIn.Element.GetProperty("access_token").GetString()!;
        await auth.ScalarAsync<object>(
            "UPDATE auth.sessions SET created_at = now() - interval '25 hours' WHERE id = $1",
            Guid.Parse(AuthCalls.Claims(token).GetProperty("session_id").GetString()!));

        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session" }, token)).AssertAuthError(400, "reauthentication_needed");
        (await auth.AuthAsync(HttpMethod.Get, "/reauthenticate", bearer: token)).AssertStatus(200);
        (await auth.AuthAsync(HttpMethod.Get, "/reauthenticate", bearer: token)).AssertAuthError(429, "over_sms_send_rate_limit");
        var sms = (await auth.MailsAsync(second)).First();
        Assert.Equal("reauthentication", sms.GetProperty("kind").GetString());
        var nonce = sms.GetProperty("otp").GetString()!;
        Assert.Equal($"Your code is {nonce}", sms.GetProperty("html").GetString());

        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session", nonce = nonce == "000000" ? "111111" : "000000" }, token))
            .AssertAuthError(422, "reauthentication_not_valid");
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { password = "old-session", nonce }, token)).AssertStatus(200);
        (await auth.AuthPostAsync("/token?grant_type=password", new { phone = second, password = "old-session" })).AssertStatus(200);
    }

    [Fact]
    public async Task Reauthenticate_UnconfirmedEmailOrNoSession_IsRefused()
    {
        var email = AuthCalls.UniqueEmail("unconfirmed");
        var created = await auth.AuthAsync(HttpMethod.Post, "/admin/users", new { email, password = "secret-123" }, auth.ServiceRoleKey);
        created.AssertStatus(200);
        var signedIn = await auth.SignInAsync(email);
        signedIn.AssertStatus(200);

        (await auth.AuthAsync(HttpMethod.Get, "/reauthenticate", bearer: signedIn.Element.GetProperty("access_token").GetString()))
            .AssertAuthError(422, "email_not_confirmed");
        (await auth.AuthAsync(HttpMethod.Get, "/reauthenticate")).AssertAuthError(403, "bad_jwt");
    }
}
