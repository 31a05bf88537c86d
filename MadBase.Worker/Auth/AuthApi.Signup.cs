using System.Text.Json;

namespace MadBase.Worker.Auth;

// POST /signup, with neither email nor phone an anonymous sign-in (GoTrue's signup.go, anonymous.go).
internal static partial class AuthApi
{
    private static async Task<IResult> Signup([AsParameters] AuthServices s)
    {
        var project = s.Project;
        var settings = project.Settings.Auth;
        var input = await AuthBody.ReadAsync<SignupParams>(s.Context);
        var data = AuthBody.ObjectJson(input.Data, "data") ?? "{}";

        if (string.IsNullOrEmpty(input.Email) && string.IsNullOrEmpty(input.Phone))
        {
            if (!settings.AnonymousSignIns)
            {
                return AuthErrors.AnonymousDisabled().ToResult();
            }

            await s.Limiter.CheckAsync(s.Context, project, "anonymous", settings.RateLimitAnonymousUsers, TimeSpan.FromHours(1));
            return await SignupAnonymouslyAsync(s, data);
        }

        await s.Limiter.CheckAsync(s.Context, project, "signup", settings.RateLimitOtp, FiveMinutes);
        if (settings.DisableSignup)
        {
            return AuthErrors.SignupDisabled().ToResult();
        }

        if (string.IsNullOrEmpty(input.Password))
        {
            return AuthErrors.Validation("Signup requires a valid password").ToResult();
        }

        Credentials.CheckPassword(settings, input.Password);
        if (!string.IsNullOrEmpty(input.Email) && !string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.Validation("Only an email address or phone number should be provided on signup.").ToResult();
        }

        if (string.IsNullOrEmpty(input.Email))
        {
            PhoneOtps.CheckChannel(s, input.Channel);
            if (!string.IsNullOrEmpty(input.CodeChallenge))
            {
                // Phone signups answer with the session itself, so PKCE has nothing to protect.
                return AuthErrors.BadRequestValidation("PKCE not supported for phone signups").ToResult();
            }

            if (!settings.PhoneEnabled)
            {
                return AuthErrors.PhoneProviderDisabled("Phone signups are disabled").ToResult();
            }

            var phone = Credentials.ValidPhone(input.Phone);
            return await SignupWithPhoneAsync(s, phone, await s.Passwords.HashAsync(input.Password, s.Aborted), data);
        }

        var email = Credentials.ValidEmail(input.Email);
        var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
        var hash = await s.Passwords.HashAsync(input.Password, s.Aborted);
        return await SignupWithEmailAsync(s, email, hash, data, challenge);
    }

    /// <summary>
    /// A new user, signed in at once with autoconfirm or else sent a confirmation mail; an address already
    /// confirmed is refused with autoconfirm, or else answered with a made-up user, so signup cannot probe accounts.
    /// </summary>
    private static async Task<IResult> SignupWithEmailAsync(AuthServices s, string email, string hash, string data, PkceChallenge? challenge)
    {
        var project = s.Project;
        var settings = project.Settings.Auth;
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var traits = new Dictionary<string, object> { ["provider"] = "email" };
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is not null && user.IsConfirmed)
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.RepeatedSignup, now, traits, s.Aborted);
            await tx.CommitAsync(s.Aborted);
            if (settings.Autoconfirm)
            {
                return AuthErrors.UserAlreadyExists().ToResult();
            }

            // As GoTrue: without autoconfirm an existing address gets an obfuscated user, so signup cannot probe accounts.
            return Json(ObfuscatedUser("email", email, string.Empty, data, now));
        }

        user ??= await User.CreateAsync(
            tx, new NewUser(email, null, hash, """{"provider":"email","providers":["email"]}""", data, "email", settings.Autoconfirm), now, s.Aborted);

        if (settings.Autoconfirm)
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, traits, s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, traits, s.Aborted);
            var session = await s.Tokens.SignInAsync(tx, project, user, "password", s.Context, s.Aborted);
            await tx.CommitAsync(s.Aborted);
            return session.ToResult();
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ConfirmationRequested, now, traits, s.Aborted);
        await TokenMails.SendAsync(tx, s, project, user, MailKind.Confirmation, challenge, "email/signup", RedirectQuery(s));
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }

    /// <summary>
    /// GoTrue's phone signup: a new user (or an unconfirmed one again) is confirmed at once with SMS autoconfirm and
    /// signed in, or else sent an SMS OTP; a confirmed number is refused with autoconfirm, or else answered with a
    /// made-up user.
    /// </summary>
    private static async Task<IResult> SignupWithPhoneAsync(AuthServices s, string phone, string hash, string data)
    {
        var project = s.Project;
        var settings = project.Settings.Auth;
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var traits = new Dictionary<string, object> { ["provider"] = "phone" };
        var user = await User.FindByPhoneAsync(tx, phone, s.Aborted);
        if (user is not null && user.IsPhoneConfirmed)
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.RepeatedSignup, now, traits, s.Aborted);
            await tx.CommitAsync(s.Aborted);
            return settings.Autoconfirm || settings.Sms.Autoconfirm
                ? AuthErrors.UserAlreadyExists().ToResult()
                : Json(ObfuscatedUser("phone", string.Empty, phone, data, now));
        }

        user ??= await User.CreateAsync(
            tx, new NewUser(null, phone, hash, """{"provider":"phone","providers":["phone"]}""", data, "phone", false), now, s.Aborted);
        if (settings.Sms.Autoconfirm)
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, traits, s.Aborted);
            await user.ConfirmPhoneAsync(tx, now, s.Aborted);
            user = await user.ReloadAsync(tx, s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, traits, s.Aborted);
            var session = await s.Tokens.SignInAsync(tx, project, user, "password", s.Context, s.Aborted);
            await tx.CommitAsync(s.Aborted);
            return session.ToResult();
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ConfirmationRequested, now, traits, s.Aborted);
        await PhoneOtps.SendAsync(tx, s, user, phone, OneTimeTokenType.Confirmation);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }

    private static async Task<IResult> SignupAnonymouslyAsync(AuthServices s, string data)
    {
        var project = s.Project;
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await User.CreateAsync(tx, new NewUser(null, null, null, "{}", data, null, false, IsAnonymous: true), now, s.Aborted);
        var traits = new Dictionary<string, object> { ["provider"] = "anonymous" };
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, traits, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, project, user, "anonymous", s.Context, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return session.ToResult();
    }

    private static string ObfuscatedUser(string provider, string email, string phone, string data, DateTimeOffset now) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = Guid.NewGuid(),
            ["aud"] = User.DefaultAud,
            ["role"] = string.Empty,
            ["email"] = email,
            ["phone"] = phone,
            ["confirmation_sent_at"] = now,
            ["app_metadata"] = new Dictionary<string, object> { ["provider"] = provider, ["providers"] = new[] { provider } },
            ["user_metadata"] = JsonDocument.Parse(data).RootElement,
            ["identities"] = Array.Empty<object>(),
            ["created_at"] = now,
            ["updated_at"] = now,
            ["is_anonymous"] = false,
        });
}
