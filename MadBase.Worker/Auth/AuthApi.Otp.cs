namespace MadBase.Worker.Auth;

// POST /otp and /magiclink (GoTrue's otp.go, magic_link.go). They answer {} whether or not the address is known,
// so they cannot be used to probe for accounts.
internal static partial class AuthApi
{
    private static Task<IResult> MagicLink([AsParameters] AuthServices s) => OtpAsync(s, "magiclink");

    private static Task<IResult> Otp([AsParameters] AuthServices s) => OtpAsync(s, "otp");

    private static async Task<IResult> OtpAsync(AuthServices s, string bucket)
    {
        var project = s.Project;
        var settings = project.Settings.Auth;
        await s.Limiter.CheckAsync(s.Context, project, bucket, settings.RateLimitOtp, FiveMinutes);
        var input = await AuthBody.ReadAsync<MailRequestParams>(s.Context);
        if (string.IsNullOrEmpty(input.Email))
        {
            return string.IsNullOrEmpty(input.Phone)
                ? AuthErrors.BadRequestValidation("Only an email address or phone number should be provided").ToResult()
                : await SmsOtpAsync(s, input);
        }

        if (!string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("Only an email address or phone number should be provided").ToResult();
        }

        var email = Credentials.ValidEmail(input.Email);
        var data = AuthBody.ObjectJson(input.Data, "data") ?? "{}";
        var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is null)
        {
            if (input.CreateUser == false || settings.DisableSignup)
            {
                return new AuthError(422, "otp_disabled", "Signups not allowed for otp").ToResult();
            }

            user = await User.CreateAsync(
                tx, new NewUser(email, null, null, """{"provider":"email","providers":["email"]}""", data, "email", false), now, s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ConfirmationRequested, now, null, s.Aborted);
        }

        // An unconfirmed address gets the signup confirmation; a confirmed one the magic link. verifyOtp(type 'email') takes either.
        var kind = user.IsConfirmed ? MailKind.MagicLink : MailKind.Confirmation;
        var method = user.IsConfirmed ? "magiclink" : "email/signup";
        await TokenMails.SendAsync(tx, s, project, user, kind, challenge, method, RedirectOf(s, input));
        await tx.CommitAsync(s.Aborted);
        return Empty();
    }

    /// <summary>
    /// GoTrue's SmsOtp: an OTP by SMS to the number, whose holder it signs in once verified (type sms); an unknown
    /// number becomes a new user unless create_user is false or signups are off (confirmed at once with SMS
    /// autoconfirm, as GoTrue's detour through signup).
    /// </summary>
    private static async Task<IResult> SmsOtpAsync(AuthServices s, MailRequestParams input)
    {
        var settings = s.Project.Settings.Auth;
        if (!settings.PhoneEnabled)
        {
            return AuthErrors.PhoneProviderDisabled("Unsupported phone provider").ToResult();
        }

        var phone = Credentials.ValidPhone(input.Phone);

        PhoneOtps.CheckChannel(s, input.Channel);
        var data = AuthBody.ObjectJson(input.Data, "data") ?? "{}";
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await User.FindByPhoneAsync(tx, phone, s.Aborted);
        if (user is null)
        {
            if (input.CreateUser == false)
            {
                return new AuthError(422, "otp_disabled", "Signups not allowed for otp").ToResult();
            }

            if (settings.DisableSignup)
            {
                return AuthErrors.SignupDisabled().ToResult();
            }

            user = await User.CreateAsync(
                tx, new NewUser(null, phone, null, """{"provider":"phone","providers":["phone"]}""", data, "phone", false), now, s.Aborted);
            var traits = new Dictionary<string, object> { ["provider"] = "phone" };
            if (settings.Sms.Autoconfirm)
            {
                await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, traits, s.Aborted);
                await user.ConfirmPhoneAsync(tx, now, s.Aborted);
            }
            else
            {
                await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ConfirmationRequested, now, traits, s.Aborted);
            }
        }
        else
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.RecoveryRequested, now, new Dictionary<string, object> { ["channel"] = input.Channel ?? "sms" }, s.Aborted);
        }

        await PhoneOtps.SendAsync(tx, s, user, phone, OneTimeTokenType.Confirmation);
        await tx.CommitAsync(s.Aborted);
        return Empty();
    }
}
