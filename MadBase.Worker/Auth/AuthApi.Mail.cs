using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

// POST /recover, /otp, /magiclink, /resend (GoTrue's recover.go, otp.go, magic_link.go, resend.go). They answer {}
// whether or not the address is known, so they cannot be used to probe for accounts.
internal static partial class AuthApi
{
    private static IResult Empty() => Json("{}");

    private static async Task<IResult> Recover([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "recover", project.Settings.Auth.RateLimitOtp, FiveMinutes);
        var input = await AuthBody.ReadAsync<MailRequestParams>(s.Context);
        var email = Credentials.ValidEmail(input.Email);
        var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is not null)
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.RecoveryRequested, s.Clock.GetUtcNow(), null, s.Aborted);
            await TokenMails.SendAsync(tx, s, project, user, MailKind.Recovery, challenge, "recovery", RedirectOf(s, input));
            await tx.CommitAsync(s.Aborted);
        }

        return Empty();
    }

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

    private static async Task<IResult> Resend([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "resend", project.Settings.Auth.RateLimitOtp, FiveMinutes);
        var input = await AuthBody.ReadAsync<MailRequestParams>(s.Context);
        if (input.Type is not ("signup" or "email_change"))
        {
            return AuthErrors.BadRequestValidation("Missing one of these types: signup, email_change").ToResult();
        }

        var email = Credentials.ValidEmail(input.Email);
        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is null)
        {
            return Empty();
        }

        if (input.Type == "signup")
        {
            if (user.IsConfirmed)
            {
                return new AuthError(422, "email_address_not_authorized", "Email address already confirmed").ToResult();
            }

            await TokenMails.SendAsync(tx, s, project, user, MailKind.Confirmation, null, "email/signup", RedirectOf(s, input));
        }
        else if (user.EmailChange is { } newEmail)
        {
            await EmailChangeMails.SendAsync(tx, s, project, user, newEmail, null, RedirectOf(s, input));
        }

        await tx.CommitAsync(s.Aborted);
        return Empty();
    }

    /// <summary>auth-js sends the redirect as <c>?redirect_to=</c>; GoTrue also reads it from the body.</summary>
    private static string? RedirectOf(AuthServices s, MailRequestParams input) => RedirectQuery(s) ?? input.RedirectTo;

    /// <summary>The <c>?redirect_to=</c> of auth-js's emailRedirectTo (signUp, updateUser, inviteUserByEmail).</summary>
    private static string? RedirectQuery(AuthServices s) =>
        s.Context.Request.Query["redirect_to"].ToString() is { Length: > 0 } query ? query : null;

    private static async Task<IResult> Invite([AsParameters] AuthServices s)
    {
        var project = RequireAdmin(s);
        var input = await AuthBody.ReadAsync<AdminUserParams>(s.Context);
        var email = Credentials.ValidEmail(input.Email);
        var data = AuthBody.ObjectJson(input.Data, "data") ?? "{}";
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is not null && user.IsConfirmed)
        {
            return AuthErrors.EmailExists().ToResult();
        }

        user ??= await User.CreateAsync(
            tx, new NewUser(email, null, null, """{"provider":"email","providers":["email"]}""", data, "email", false, Invited: true), now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Invited, now, new Dictionary<string, object> { ["user_email"] = email }, s.Aborted);
        await TokenMails.SendAsync(tx, s, project, user, MailKind.Invite, null, "invite", RedirectQuery(s) ?? input.RedirectTo);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }
}
