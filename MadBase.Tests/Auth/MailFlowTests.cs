using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>Flows that go through a mail, on a project without autoconfirm; mails are read from the catcher.</summary>
[Collection(StackCollection.Name)]
public sealed class MailFlowTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() =>
        auth = await TestProject.CreateAsync(stack, "auth mail", new
        {
            auth = new { autoconfirm = false, site_url = "http://app.test", additional_redirect_urls = new[] { "http://other.test/**" } },
        });

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<System.Text.Json.JsonElement> OnlyMailAsync(string email, string kind)
    {
        var mails = await auth.MailsAsync(email);
        var mail = mails.First();
        Assert.Equal(kind, mail.GetProperty("kind").GetString());
        return mail;
    }

    [Fact]
    public async Task Signup_WithoutAutoconfirm_ReturnsUserAndMailsConfirmation()
    {
        var email = AuthCalls.UniqueEmail("confirm");

        var response = await auth.SignUpAsync(email);

        response.AssertStatus(200);
        Assert.False(response.Element.TryGetProperty("access_token", out _));
        Assert.Equal(email, response.Element.GetProperty("email").GetString());
        Assert.True(response.Element.TryGetProperty("confirmation_sent_at", out _));
        var mail = await OnlyMailAsync(email, "confirmation");
        Assert.Matches("^[0-9]{6}$", mail.GetProperty("otp").GetString()!);
        // The CLI makes the stack's own gateway every new project's api_external_url.
        Assert.StartsWith(stack.ApiUrl.TrimEnd('/') + "/auth/v1/verify?token=", mail.GetProperty("link").GetString(), StringComparison.Ordinal);
        (await auth.SignInAsync(email)).AssertAuthError(400, "email_not_confirmed");
    }

    [Fact]
    public async Task VerifyGet_ConfirmationLink_RedirectsWithSessionInFragment()
    {
        var email = AuthCalls.UniqueEmail("link");
        await auth.SignUpAsync(email);
        var link = (await OnlyMailAsync(email, "confirmation")).GetProperty("link").GetString()!;
        var path = new Uri(link).PathAndQuery;

        // The link as a browser opens it; the apikey names this test's project (without one the gateway picks the default).
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.ApiUrl + path);
        request.Headers.Add("apikey", auth.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);

        Assert.Equal(303, (int)response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("app.test", location.Host);
        Assert.StartsWith("#access_token=", location.Fragment, StringComparison.Ordinal);
        Assert.Contains("&type=signup", location.Fragment, StringComparison.Ordinal);
        Assert.Contains("&refresh_token=", location.Fragment, StringComparison.Ordinal);
        (await auth.SignInAsync(email)).AssertStatus(200);
    }

    [Fact]
    public async Task VerifyGet_UsedLink_RedirectsWithOtpExpiredError()
    {
        var email = AuthCalls.UniqueEmail("used");
        await auth.SignUpAsync(email);
        var token = AdminUsersTests.HashFrom((await OnlyMailAsync(email, "confirmation")).GetProperty("link").GetString()!);
        (await auth.AuthPostAsync("/verify", new { type = "signup", token_hash = token })).AssertStatus(200);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{stack.ApiUrl}/auth/v1/verify?token={token}&type=signup&redirect_to=http://other.test/cb");
        request.Headers.Add("apikey", auth.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);

        Assert.Equal(303, (int)response.StatusCode);
        Assert.StartsWith("http://other.test/cb#error=access_denied&error_code=otp_expired", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyPost_WrongOtp_Returns403OtpExpired()
    {
        var email = AuthCalls.UniqueEmail("wrongotp");
        await auth.SignUpAsync(email);

        var response = await auth.AuthPostAsync("/verify", new { type = "signup", email, token = "000000" });

        response.AssertAuthError(403, "otp_expired");
    }

    [Fact]
    public async Task VerifyPost_ExpiredOtp_Returns403OtpExpired()
    {
        var email = AuthCalls.UniqueEmail("expired");
        await auth.SignUpAsync(email);
        var otp = (await OnlyMailAsync(email, "confirmation")).GetProperty("otp").GetString()!;
        await auth.ScalarAsync<object>("UPDATE auth.users SET confirmation_sent_at = now() - interval '2 hours' WHERE email = $1", email);

        var response = await auth.AuthPostAsync("/verify", new { type = "signup", email, token = otp });

        response.AssertAuthError(403, "otp_expired");
    }

    [Fact]
    public async Task Recover_KnownAndUnknownEmail_BothReturnEmptyObject()
    {
        var email = AuthCalls.UniqueEmail("recover");
        await auth.SignUpAsync(email);
        var token = AdminUsersTests.HashFrom((await OnlyMailAsync(email, "confirmation")).GetProperty("link").GetString()!);
        (await auth.AuthPostAsync("/verify", new { type = "signup", token_hash = token })).AssertStatus(200);

        var known = await auth.AuthPostAsync("/recover", new { email });
        var unknown = await auth.AuthPostAsync("/recover", new { email = AuthCalls.UniqueEmail("ghost") });

        known.AssertStatus(200);
        unknown.AssertStatus(200);
        Assert.Equal("{}", known.Body);
        Assert.Equal("{}", unknown.Body);
        var mail = await OnlyMailAsync(email, "recovery");
        var verified = await auth.AuthPostAsync("/verify", new { type = "recovery", email, token = mail.GetProperty("otp").GetString() });
        verified.AssertStatus(200);
        Assert.Equal("recovery", AuthCalls.Claims(verified.Element.GetProperty("access_token").GetString()!).GetProperty("amr")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task Resend_Signup_SendsFreshConfirmation()
    {
        var email = AuthCalls.UniqueEmail("resend");
        await auth.SignUpAsync(email);
        var first = (await OnlyMailAsync(email, "confirmation")).GetProperty("otp").GetString();
        await Task.Delay(1100); // past the one-second mail frequency limit

        (await auth.AuthPostAsync("/resend", new { type = "signup", email })).AssertStatus(200);

        var mails = await auth.MailsAsync(email);
        Assert.Equal(2, mails.Length);
        (await auth.AuthPostAsync("/verify", new { type = "signup", email, token = first })).AssertAuthError(403, "otp_expired");
        (await auth.AuthPostAsync("/verify", new { type = "signup", email, token = mails[0].GetProperty("otp").GetString() })).AssertStatus(200);
    }

    [Fact]
    public async Task Resend_Immediately_Returns429EmailRateLimit()
    {
        var email = AuthCalls.UniqueEmail("tooquick");
        await auth.SignUpAsync(email);

        var response = await auth.AuthPostAsync("/resend", new { type = "signup", email });

        response.AssertAuthError(429, "over_email_send_rate_limit");
    }

    [Fact]
    public async Task Pkce_SignupLink_RedirectsWithCodeThatExchangesOnce()
    {
        var verifier = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var email = AuthCalls.UniqueEmail("pkce");
        (await auth.AuthPostAsync("/signup", new { email, password = "secret-123", code_challenge = challenge, code_challenge_method = "s256" })).AssertStatus(200);
        var link = (await OnlyMailAsync(email, "confirmation")).GetProperty("link").GetString()!;
        Assert.Contains("token=pkce_", link, StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, stack.ApiUrl + new Uri(link).PathAndQuery);
        request.Headers.Add("apikey", auth.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(303, (int)response.StatusCode);
        var code = response.Headers.Location!.ToString().Split("?code=")[1];

        (await auth.AuthPostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = "wrong" + verifier })).AssertAuthError(403, "bad_code_verifier");
        var exchanged = await auth.AuthPostAsync("/token?grant_type=pkce", new { auth_code = code, code_verifier = verifier });
        exchanged.AssertStatus(200);
        Assert.Equal(email, exchanged.Element.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Pkce_UnknownCode_Returns404FlowStateNotFound()
    {
        var response = await auth.AuthPostAsync("/token?grant_type=pkce", new { auth_code = Guid.NewGuid().ToString(), code_verifier = new string('a', 43) });

        response.AssertAuthError(404, "flow_state_not_found");
    }

    [Fact]
    public async Task Otp_NewEmail_CreatesUserAndCodeSignsIn()
    {
        var email = AuthCalls.UniqueEmail("otp");

        (await auth.AuthPostAsync("/otp", new { email, create_user = true })).AssertStatus(200);

        var otp = (await OnlyMailAsync(email, "confirmation")).GetProperty("otp").GetString();
        var verified = await auth.AuthPostAsync("/verify", new { type = "email", email, token = otp });
        verified.AssertStatus(200);
        Assert.Equal("otp", AuthCalls.Claims(verified.Element.GetProperty("access_token").GetString()!).GetProperty("amr")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task MailCatcher_WithoutAdminPassword_Returns401()
    {
        using var response = await TestHttp.Client.GetAsync($"{stack.AdminUrl}/projects/{auth.Ref}/mail");

        Assert.Equal(401, (int)response.StatusCode);
    }
}
