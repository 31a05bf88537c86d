using System.Text.Json;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// POST /signup, POST /token, POST /logout (GoTrue's signup.go, anonymous.go, token.go, logout.go).
internal static partial class AuthApi
{
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

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
            return new AuthError(400, "phone_provider_disabled", "Phone signups are disabled").ToResult();
        }

        var email = Credentials.ValidEmail(input.Email);
        var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
        var hash = await s.Passwords.HashAsync(input.Password, s.Aborted);
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
            return Json(ObfuscatedUser(email, data, now));
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

    private static string ObfuscatedUser(string email, string data, DateTimeOffset now) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = Guid.NewGuid(),
            ["aud"] = User.DefaultAud,
            ["role"] = string.Empty,
            ["email"] = email,
            ["phone"] = string.Empty,
            ["confirmation_sent_at"] = now,
            ["app_metadata"] = new Dictionary<string, object> { ["provider"] = "email", ["providers"] = new[] { "email" } },
            ["user_metadata"] = JsonDocument.Parse(data).RootElement,
            ["identities"] = Array.Empty<object>(),
            ["created_at"] = now,
            ["updated_at"] = now,
            ["is_anonymous"] = false,
        });

    private static async Task<IResult> Token([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "token", project.Settings.Auth.RateLimitTokenRefresh, FiveMinutes);
        var input = await AuthBody.ReadAsync<TokenParams>(s.Context);
        return s.Context.Request.Query["grant_type"].ToString() switch
        {
            "password" => await PasswordGrantAsync(s, input),
            "refresh_token" => await RefreshGrantAsync(s, input),
            "pkce" => await PkceFlow.ExchangeAsync(s, project, input),
            _ => AuthErrors.UnsupportedGrantType().ToResult(),
        };
    }

    private static async Task<IResult> PasswordGrantAsync(AuthServices s, TokenParams input)
    {
        var project = s.Project;
        if (string.IsNullOrEmpty(input.Email) && string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("missing email or phone").ToResult();
        }

        if (string.IsNullOrEmpty(input.Email))
        {
            return AuthErrors.InvalidCredentials().ToResult();
        }

        // The password is checked between two short round trips, so a slow hash never holds a connection.
        User? user;
        await using (var lookup = await s.BeginAsync(RlsMode.SingleTrip))
        {
            lookup.Add(User.FindByEmail(input.Email.Trim()));
            await using var reader = await lookup.ExecuteReaderAsync(s.Aborted);
            user = await User.ReadAsync(reader, s.Aborted);
        }

        if (user is null || !await s.Passwords.VerifyAsync(user.EncryptedPassword, input.Password ?? string.Empty, s.Aborted))
        {
            return AuthErrors.InvalidCredentials().ToResult();
        }

        var now = s.Clock.GetUtcNow();
        if (user.IsBanned(now))
        {
            return AuthErrors.UserBanned().ToResult();
        }

        if (!user.IsConfirmed && !project.Settings.Auth.Autoconfirm)
        {
            return AuthErrors.EmailNotConfirmed().ToResult();
        }

        await using var batch = await s.BeginAsync(RlsMode.SingleTrip);
        batch.Add(AuditLog.Entry(s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = "email" }));
        var session = await s.Tokens.SignInAsync(batch, project, user, "password", s.Context, s.Aborted);
        return session.ToResult();
    }

    private static async Task<IResult> RefreshGrantAsync(AuthServices s, TokenParams input)
    {
        var project = s.Project;
        if (string.IsNullOrEmpty(input.RefreshToken))
        {
            return AuthErrors.BadRequestValidation("refresh_token required").ToResult();
        }

        await using var batch = await s.BeginAsync(RlsMode.Pipelined);
        var session = await s.Rotation.RotateAsync(batch, project, s.Context, input.RefreshToken, s.Aborted);
        return session.ToResult();
    }

    private static async Task<IResult> Logout([AsParameters] AuthServices s)
    {
        var tenant = s.Tenant;
        var scope = s.Context.Request.Query["scope"].ToString();
        if (scope.Length == 0)
        {
            scope = "global";
        }

        if (scope is not ("global" or "local" or "others"))
        {
            return AuthErrors.BadRequestValidation("Unsupported logout scope \"" + scope + "\"").ToResult();
        }

        await using var tx = await s.BeginAsync();
        var (user, session) = await BearerSession.LoadAsync(tx, tenant, s.Aborted);
        await Session.DeleteAsync(tx, user.Id, session?.Id, scope, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Logout, s.Clock.GetUtcNow(), null, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Results.NoContent();
    }
}
