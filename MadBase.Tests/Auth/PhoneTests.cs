using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// Phone sign-up, SMS OTP sign-in, phone change and resend over HTTP, as auth-js calls them. Without a Send SMS
/// hook the OTPs are read from the mail catcher, as mails are; with one, from what the hook received.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PhoneTests(StackFixture stack)
{
    /// <summary>Phone sign-in and phone factors on, and (for Web3Tests, to spare a project) Ethereum sign-in only.</summary>
    internal static Task<TestProject> PhoneProjectAsync(StackFixture stack) =>
        TestProject.SharedAsync(stack, "auth phone", "SELECT 1", new
        {
            auth = new
            {
                phone_enabled = true,
                mfa = new { phone = new { enroll_enabled = true, verify_enabled = true } },
                web3 = new { ethereum_enabled = true },
            },
        });

    private Task<TestProject> PhoneProjectAsync() => PhoneProjectAsync(stack);

    [Fact]
    public async Task SignupWithPhone_VerifySms_ConfirmsAndSignsIn()
    {
        var auth = await PhoneProjectAsync();
        var phone = UniquePhone();

        var signedUp = await auth.AuthPostAsync("/signup", new { phone = "+" + phone, password = "secret-123" });

        signedUp.AssertStatus(200);
        Assert.False(signedUp.Element.TryGetProperty("access_token", out _));
        Assert.Equal(phone, signedUp.Element.GetProperty("phone").GetString());
        Assert.Equal("phone", signedUp.Element.GetProperty("identities")[0].GetProperty("provider").GetString());
        var sms = await LastSmsAsync(auth, phone, "sms");
        Assert.Equal($"Your code is {sms.Otp}", sms.Body);
        (await auth.AuthPostAsync("/token?grant_type=password", new { phone, password = "secret-123" })).AssertAuthError(400, "phone_not_confirmed");
        (await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = WrongOtp(sms.Otp) })).AssertAuthError(403, "otp_expired");

        var verified = await auth.AuthPostAsync("/verify", new { type = "sms", phone = "+" + phone, token = sms.Otp });

        verified.AssertStatus(200);
        var user = verified.Element.GetProperty("user");
        Assert.True(user.TryGetProperty("phone_confirmed_at", out _));
        Assert.True(user.GetProperty("identities")[0].GetProperty("identity_data").GetProperty("phone_verified").GetBoolean());
        Assert.Equal("otp", AuthCalls.Claims(verified.Element.GetProperty("access_token").GetString()!).GetProperty("amr")[0].GetProperty("method").GetString());
        (await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = sms.Otp })).AssertAuthError(403, "otp_expired");
        (await auth.AuthPostAsync("/token?grant_type=password", new { phone = "+" + phone, password = "secret-123" })).AssertStatus(200);
        (await auth.AuthPostAsync("/signup", new { phone, password = "secret-123" })).AssertAuthError(422, "user_already_exists");
    }

    [Fact]
    public async Task OtpWithPhone_NewAndKnownNumber_SignsInWithTheSmsCode()
    {
        var auth = await PhoneProjectAsync();
        var phone = UniquePhone();
        (await auth.AuthPostAsync("/otp", new { phone, create_user = false })).AssertAuthError(422, "otp_disabled");

        (await auth.AuthPostAsync("/otp", new { phone, data = new { plan = "free" } })).AssertStatus(200);
        var first = await LastSmsAsync(auth, phone, "sms");
        var session = await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = first.Otp });
        session.AssertStatus(200);
        Assert.Equal("free", session.Element.GetProperty("user").GetProperty("user_metadata").GetProperty("plan").GetString());

        // A known, confirmed number: a new code, whose expiry is sms.otp_exp_seconds (60) from its sending.
        await auth.ScalarAsync<object>("UPDATE auth.users SET confirmation_sent_at = now() - interval '1 minute' WHERE phone = $1", phone);
        (await auth.AuthPostAsync("/otp", new { phone = "+" + phone })).AssertStatus(200);
        var second = await LastSmsAsync(auth, phone, "sms");
        Assert.NotEqual(first.Id, second.Id);
        await auth.ScalarAsync<object>("UPDATE auth.users SET confirmation_sent_at = now() - interval '61 seconds' WHERE phone = $1", phone);
        (await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = second.Otp })).AssertAuthError(403, "otp_expired");
    }

    [Theory]
    [InlineData("12ab34567")]
    [InlineData("+0123456789")]
    [InlineData("+1234")]
    [InlineData("+1234567890123456")]
    public async Task PhoneRoutes_NumberNotE164_Return400ValidationFailed(string phone)
    {
        var auth = await PhoneProjectAsync();

        var otp = await auth.AuthPostAsync("/otp", new { phone });
        var signup = await auth.AuthPostAsync("/signup", new { phone, password = "secret-123" });
        var verify = await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = "123456" });

        foreach (var response in new[] { otp, signup, verify })
        {
            response.AssertAuthError(400, "validation_failed");
            Assert.Equal("Invalid phone number format (E.164 required)", response.Element.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task UpdateUserPhone_VerifyPhoneChange_MovesTheNumberAndAddsPhoneIdentity()
    {
        var auth = await PhoneProjectAsync();
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("phonechange"));
        var phone = UniquePhone();

        var updated = await auth.AuthAsync(HttpMethod.Put, "/user", new { phone = "+" + phone }, token);

        updated.AssertStatus(200);
        Assert.Equal(phone, updated.Element.GetProperty("new_phone").GetString());
        Assert.Equal(string.Empty, updated.Element.GetProperty("phone").GetString());
        var sms = await LastSmsAsync(auth, phone, "phone_change");
        (await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = sms.Otp })).AssertAuthError(403, "otp_expired");

        var verified = await auth.AuthPostAsync("/verify", new { type = "phone_change", phone, token = sms.Otp });

        verified.AssertStatus(200);
        var user = verified.Element.GetProperty("user");
        Assert.Equal(phone, user.GetProperty("phone").GetString());
        Assert.False(user.TryGetProperty("new_phone", out _));
        Assert.Equal(new[] { "email", "phone" }, user.GetProperty("app_metadata").GetProperty("providers").EnumerateArray().Select(p => p.GetString()!).ToArray());

        // The number is now taken.
        var (other, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("phonetaken"));
        (await auth.AuthAsync(HttpMethod.Put, "/user", new { phone }, other)).AssertAuthError(422, "phone_exists");
    }

    [Fact]
    public async Task ResendSms_Immediately_Returns429OverSmsSendRateLimit_AndUnknownNumberAnswersEmpty()
    {
        var auth = await PhoneProjectAsync();
        var phone = UniquePhone();
        (await auth.AuthPostAsync("/signup", new { phone, password = "secret-123" })).AssertStatus(200);

        var again = await auth.AuthPostAsync("/resend", new { type = "sms", phone });
        var unknown = await auth.AuthPostAsync("/resend", new { type = "sms", phone = UniquePhone() });

        again.AssertAuthError(429, "over_sms_send_rate_limit");
        Assert.Matches("^For security purposes, you can only request this after [1-5] seconds.$", again.Element.GetProperty("message").GetString()!);
        unknown.AssertStatus(200);
        Assert.Equal("{}", unknown.Body);
        (await auth.AuthPostAsync("/resend", new { type = "sms" })).AssertAuthError(400, "validation_failed");
    }

    [Fact]
    public async Task PhoneProviderOff_RefusesPhoneRoutes_AndSettingsSayWhatIsOn()
    {
        var off = await TestProject.SharedAsync(stack, "auth phone off", "SELECT 1");
        var on = await PhoneProjectAsync();
        var phone = UniquePhone();

        (await off.AuthPostAsync("/signup", new { phone, password = "secret-123" })).AssertAuthError(400, "phone_provider_disabled");
        (await off.AuthPostAsync("/otp", new { phone })).AssertAuthError(400, "phone_provider_disabled");
        (await off.AuthPostAsync("/token?grant_type=password", new { phone, password = "secret-123" })).AssertAuthError(422, "phone_provider_disabled");
        (await on.AuthPostAsync("/otp", new { phone, channel = "whatsapp" })).AssertAuthError(400, "validation_failed");

        var offSettings = (await off.AuthAsync(HttpMethod.Get, "/settings")).Element;
        var onSettings = (await on.AuthAsync(HttpMethod.Get, "/settings")).Element;
        Assert.False(offSettings.GetProperty("external").GetProperty("phone").GetBoolean());
        Assert.True(onSettings.GetProperty("external").GetProperty("phone").GetBoolean());
        Assert.False(onSettings.GetProperty("phone_autoconfirm").GetBoolean());
        Assert.Equal(string.Empty, onSettings.GetProperty("sms_provider").GetString());
    }

    [Fact]
    public async Task SendSmsHook_ReceivesSignedOtp_HookErrorsReachTheClient_AndHourlyLimitHolds()
    {
        await using var hook = await SmsHook.StartAsync();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var auth = await TestProject.CreateAsync(stack, "auth phone hook", new
        {
            auth = new
            {
                phone_enabled = true,
                sms = new { rate_limit_sent = 2 },
                hooks = new { send_sms = new { enabled = true, uri = hook.Url, secrets = "v1,whsec_" + secret } },
            },
        });
        var phone = UniquePhone();

        (await auth.AuthPostAsync("/otp", new { phone, channel = "whatsapp" })).AssertStatus(200);

        var call = hook.Calls.Single();
        var signed = Encoding.UTF8.GetBytes($"{call.Id}.{call.Timestamp}.").Concat(call.Body).ToArray();
        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret), signed)), call.Signature);
        Assert.InRange(long.Parse(call.Timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        using var payload = JsonDocument.Parse(call.Body);
        Assert.Equal(phone, payload.RootElement.GetProperty("user").GetProperty("phone").GetString());
        Assert.Equal(phone, payload.RootElement.GetProperty("sms").GetProperty("phone").GetString());
        Assert.Equal("send-sms", payload.RootElement.GetProperty("metadata").GetProperty("name").GetString());
        var otp = payload.RootElement.GetProperty("sms").GetProperty("otp").GetString();
        Assert.Empty(await auth.MailsAsync(phone));
        Assert.Equal("hook", (await auth.AuthAsync(HttpMethod.Get, "/settings")).Element.GetProperty("sms_provider").GetString());
        var shown = (await auth.AdminAsync(HttpMethod.Get)).Element.GetProperty("settings").GetProperty("auth").GetProperty("hooks").GetProperty("send_sms");
        Assert.Equal("****" + secret[^4..], shown.GetProperty("secrets").GetString());
        (await auth.AuthPostAsync("/verify", new { type = "sms", phone, token = otp })).AssertStatus(200);

        // The hook's own refusal, {"error": {"http_code", "message"}}, is the client's answer.
        var refused = await auth.AuthPostAsync("/otp", new { phone = SmsHook.RefusedPhone });
        refused.AssertAuthError(400, "validation_failed");
        Assert.Equal("no carrier for this number", refused.Element.GetProperty("message").GetString());

        // Two SMS left the project this hour (the refused one counted, as GoTrue counts before sending): the third is over.
        (await auth.AuthPostAsync("/otp", new { phone = UniquePhone() })).AssertAuthError(429, "over_sms_send_rate_limit");
    }

    [Fact]
    public async Task PhoneFactor_EnrollChallengeVerify_RaisesTheSessionToAal2()
    {
        var auth = await PhoneProjectAsync();
        var (token, _, _) = await auth.SessionAsync(AuthCalls.UniqueEmail("mfaphone"));
        var phone = UniquePhone();
        (await auth.AuthPostAsync("/factors", new { factor_type = "phone" }, token)).AssertAuthError(400, "validation_failed");

        var enrolled = await auth.AuthPostAsync("/factors", new { factor_type = "phone", phone = "+" + phone, friendly_name = "mobile" }, token);

        enrolled.AssertStatus(200);
        Assert.Equal("phone", enrolled.Element.GetProperty("type").GetString());
        Assert.Equal("+" + phone, enrolled.Element.GetProperty("phone").GetString());
        var factorId = enrolled.Element.GetProperty("id").GetString();
        var challenge = await auth.AuthPostAsync($"/factors/{factorId}/challenge", new { channel = "sms" }, token);
        challenge.AssertStatus(200);
        Assert.Equal("phone", challenge.Element.GetProperty("type").GetString());
        var challengeId = challenge.Element.GetProperty("id").GetString();
        var sms = await LastSmsAsync(auth, phone, "mfa");
        (await auth.AuthPostAsync($"/factors/{factorId}/challenge", new { }, token)).AssertAuthError(429, "over_sms_send_rate_limit");
        (await auth.AuthPostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = WrongOtp(sms.Otp) }, token))
            .AssertAuthError(422, "mfa_verification_failed");

        var verified = await auth.AuthPostAsync($"/factors/{factorId}/verify", new { challenge_id = challengeId, code = sms.Otp }, token);

        verified.AssertStatus(200);
        var claims = AuthCalls.Claims(verified.Element.GetProperty("access_token").GetString()!);
        Assert.Equal("aal2", claims.GetProperty("aal").GetString());
        Assert.Contains("mfa/phone", claims.GetProperty("amr").EnumerateArray().Select(a => a.GetProperty("method").GetString()));
        var aal2 = verified.Element.GetProperty("access_token").GetString();
        (await auth.AuthPostAsync("/factors", new { factor_type = "phone", phone }, aal2)).AssertAuthError(422, "mfa_verified_factor_exists");
    }

    [Fact]
    public async Task AdminCreateUser_WithEmailAndConfirmedPhone_HasBothIdentities_AndSignsInByPhone()
    {
        var auth = await PhoneProjectAsync();
        var phone = UniquePhone();
        var email = AuthCalls.UniqueEmail("adminphone");

        var created = await auth.AuthPostAsync("/admin/users", new { email, phone = "+" + phone, password = "secret-123", phone_confirm = true }, auth.ServiceRoleKey);

        created.AssertStatus(200);
        Assert.Equal(phone, created.Element.GetProperty("phone").GetString());
        Assert.Equal(new[] { "email", "phone" }, created.Element.GetProperty("app_metadata").GetProperty("providers").EnumerateArray().Select(p => p.GetString()!).ToArray());
        Assert.Equal(2, created.Element.GetProperty("identities").GetArrayLength());
        (await auth.AuthPostAsync("/token?grant_type=password", new { phone, password = "secret-123" })).AssertStatus(200);
        (await auth.AuthPostAsync("/admin/users", new { phone }, auth.ServiceRoleKey)).AssertAuthError(422, "phone_exists");
    }

    [Fact]
    public async Task Settings_SendSmsHookWithoutValidSecret_Returns400()
    {
        var auth = await PhoneProjectAsync();

        var response = await auth.AdminAsync(HttpMethod.Patch, body: new
        {
            settings = new { auth = new { hooks = new { send_sms = new { enabled = true, uri = "http://127.0.0.1:9/hook", secrets = "whsec_abc" } } } },
        });

        response.AssertStatus(400);
        Assert.Contains("settings.auth.hooks.send_sms.secrets", response.Body, StringComparison.Ordinal);
    }

    /// <summary>A number no other test uses (E.164 digits, as stored): a US number in the 415 area.</summary>
    internal static string UniquePhone() => "1415" + RandomNumberGenerator.GetInt32(2_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string WrongOtp(string otp) => otp == "000000" ? "111111" : "000000";

    private static async Task<(long Id, string Otp, string Body)> LastSmsAsync(TestProject auth, string phone, string kind)
    {
        var sms = (await auth.MailsAsync(phone)).First();
        Assert.Equal(kind, sms.GetProperty("kind").GetString());
        var otp = sms.GetProperty("otp").GetString()!;
        Assert.Matches("^[0-9]{6}$", otp);
        return (sms.GetProperty("id").GetInt64(), otp, sms.GetProperty("html").GetString()!);
    }
}
