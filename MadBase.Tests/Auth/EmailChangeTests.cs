using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// PUT /user with a new email on projects without autoconfirm: with secure email change (the default) both the
/// current and the new address must confirm; with it off, the new address alone.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class EmailChangeTests(StackFixture stack)
{
    private const string SingleConfirmation = "Confirmation link accepted. Please proceed to confirm link sent to the other email";

    private Task<TestProject> ProjectAsync(bool secure) =>
        TestProject.CreateAsync(stack, "email change", new
        {
            auth = new { autoconfirm = false, site_url = "http://app.test", mailer_secure_email_change_enabled = secure },
        });

    [Fact]
    public async Task SecureChange_CurrentThenNewLink_AppliesOnlyAfterBoth()
    {
        var auth = await ProjectAsync(secure: true);
        var (email, token) = await ConfirmedSessionAsync(auth, "secure");
        var newEmail = AuthCalls.UniqueEmail("secure-new");

        var requested = await auth.AuthAsync(HttpMethod.Put, "/user", new { email = newEmail }, token);

        requested.AssertStatus(200);
        Assert.Equal(email, requested.Element.GetProperty("email").GetString());
        Assert.Equal(newEmail, requested.Element.GetProperty("new_email").GetString());
        var toCurrent = await ChangeMailAsync(auth, email);
        var toNew = await ChangeMailAsync(auth, newEmail);
        Assert.NotEqual(AdminUsersTests.HashFrom(toCurrent.GetProperty("link").GetString()!), AdminUsersTests.HashFrom(toNew.GetProperty("link").GetString()!));

        var first = await auth.AuthPostAsync("/verify", new { type = "email_change", token_hash = AdminUsersTests.HashFrom(toCurrent.GetProperty("link").GetString()!) });

        first.AssertStatus(200);
        Assert.Equal(SingleConfirmation, first.Element.GetProperty("msg").GetString());
        Assert.Equal("200", first.Element.GetProperty("code").GetString());
        Assert.Equal(email, (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element.GetProperty("email").GetString());
        (await auth.SignInAsync(email)).AssertStatus(200);
        Assert.Equal((short)1, await auth.ScalarAsync<short>("SELECT email_change_confirm_status FROM auth.users WHERE email = $1", email));
        (await auth.AuthPostAsync("/verify", new { type = "email_change", token_hash = AdminUsersTests.HashFrom(toCurrent.GetProperty("link").GetString()!) }))
            .AssertAuthError(403, "otp_expired");

        var location = await auth.FollowAsync(toNew.GetProperty("link").GetString()!);

        Assert.StartsWith("http://app.test#access_token=", location, StringComparison.Ordinal);
        Assert.EndsWith("&type=email_change", location, StringComparison.Ordinal);
        var user = (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element;
        Assert.Equal(newEmail, user.GetProperty("email").GetString());
        Assert.False(user.TryGetProperty("new_email", out _));
        (await auth.SignInAsync(newEmail)).AssertStatus(200);
        (await auth.SignInAsync(email)).AssertAuthError(400, "invalid_credentials");
        Assert.Equal(0L, await auth.ScalarAsync<long>(
            "SELECT count(*) FROM auth.one_time_tokens t JOIN auth.users u ON u.id = t.user_id WHERE u.email = $1", newEmail));
    }

    [Fact]
    public async Task SecureChange_NewLinkThenCurrentOtp_RedirectsWithMessageThenSignsIn()
    {
        var auth = await ProjectAsync(secure: true);
        var (email, token) = await ConfirmedSessionAsync(auth, "otp");
        var newEmail = AuthCalls.UniqueEmail("otp-new");
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { email = newEmail }, token)).AssertStatus(200);
        var toCurrent = await ChangeMailAsync(auth, email);
        var toNew = await ChangeMailAsync(auth, newEmail);

        var location = await auth.FollowAsync(toNew.GetProperty("link").GetString()!);

        Assert.Equal("http://app.test#message=Confirmation+link+accepted.+Please+proceed+to+confirm+link+sent+to+the+other+email&sb=", location);
        Assert.Equal(email, (await auth.AuthAsync(HttpMethod.Get, "/user", bearer: token)).Element.GetProperty("email").GetString());

        // The current address's code is bound to the current address: with the new one it is no code at all.
        (await auth.AuthPostAsync("/verify", new { type = "email_change", email = newEmail, token = toCurrent.GetProperty("otp").GetString() }))
            .AssertAuthError(403, "otp_expired");
        var second = await auth.AuthPostAsync("/verify", new { type = "email_change", email, token = toCurrent.GetProperty("otp").GetString() });

        second.AssertStatus(200);
        Assert.Equal(newEmail, second.Element.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal("email_change", AuthCalls.Claims(second.Element.GetProperty("access_token").GetString()!).GetProperty("amr")[0].GetProperty("method").GetString());
        (await auth.SignInAsync(newEmail)).AssertStatus(200);
    }

    [Fact]
    public async Task SecureChangeOff_OneMailToTheNewAddress_ItsOtpAppliesTheChange()
    {
        var auth = await ProjectAsync(secure: false);
        var (email, token) = await ConfirmedSessionAsync(auth, "single");
        var newEmail = AuthCalls.UniqueEmail("single-new");

        (await auth.AuthAsync(HttpMethod.Put, "/user", new { email = newEmail }, token)).AssertStatus(200);

        var toNew = await ChangeMailAsync(auth, newEmail);
        Assert.Equal("confirmation", (await auth.MailsAsync(email)).Single().GetProperty("kind").GetString());
        Assert.Equal(string.Empty, await auth.ScalarAsync<string>("SELECT email_change_token_current FROM auth.users WHERE email = $1", email));
        var verified = await auth.AuthPostAsync("/verify", new { type = "email_change", email = newEmail, token = toNew.GetProperty("otp").GetString() });

        verified.AssertStatus(200);
        Assert.Equal(newEmail, verified.Element.GetProperty("user").GetProperty("email").GetString());
        (await auth.SignInAsync(newEmail)).AssertStatus(200);
    }

    [Fact]
    public async Task GenerateLink_EmailChangeCurrentWithSecureChangeOff_Returns400()
    {
        var auth = await ProjectAsync(secure: false);
        var (email, _) = await ConfirmedSessionAsync(auth, "gen");
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.ApiUrl + "/auth/v1/admin/generate_link");
        request.Headers.Add("apikey", auth.ServiceRoleKey);
        request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", auth.ServiceRoleKey);
        request.Content = new StringContent(
            JsonSerializer.Serialize(new { type = "email_change_current", email, new_email = AuthCalls.UniqueEmail("gen-new") }),
            System.Text.Encoding.UTF8,
            "application/json");
        using var response = await TestHttp.Client.SendAsync(request);

        (await ApiResponse.ReadAsync(response)).AssertAuthError(400, "validation_failed");
    }

    /// <summary>A signed-up user whose address is confirmed, and an access token of theirs.</summary>
    private static async Task<(string Email, string AccessToken)> ConfirmedSessionAsync(TestProject auth, string tag)
    {
        var email = AuthCalls.UniqueEmail(tag);
        (await auth.SignUpAsync(email)).AssertStatus(200);
        var link = (await auth.MailsAsync(email)).Single().GetProperty("link").GetString()!;
        var verified = await auth.AuthPostAsync("/verify", new { type = "signup", token_hash = AdminUsersTests.HashFrom(link) });
        verified.AssertStatus(200);
        return (email, verified.Element.GetProperty("access_token").GetString()!);
    }

    private static async Task<JsonElement> ChangeMailAsync(TestProject auth, string to)
    {
        var mail = (await auth.MailsAsync(to)).First();
        Assert.Equal("email_change", mail.GetProperty("kind").GetString());
        Assert.Contains("&type=email_change&", mail.GetProperty("link").GetString(), StringComparison.Ordinal);
        return mail;
    }
}
