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
            auth = new { security_update_password_require_reauthentication = true, smtp_max_frequency_seconds = 60 },
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
