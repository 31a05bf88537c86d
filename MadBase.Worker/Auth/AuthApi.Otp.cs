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
                : new AuthError(400, "phone_provider_disabled", "Unsupported phone provider").ToResult();
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
}
