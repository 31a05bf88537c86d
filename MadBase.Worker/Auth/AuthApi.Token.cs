using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// POST /token?grant_type=password|refresh_token|pkce|id_token|web3 (GoTrue's token.go); id_token in AuthApi.IdToken.cs, web3 in AuthApi.Web3.cs.
internal static partial class AuthApi
{
    private static async Task<IResult> Token([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "token", project.Settings.Auth.RateLimitTokenRefresh, FiveMinutes);
        // As GoTrue, an unknown grant type is refused before the body is read; each grant reads its own parameters.
        var grantType = s.Context.Request.Query["grant_type"].ToString();
        IResult result;
        try
        {
            result = grantType switch
            {
                "password" => await PasswordGrantAsync(s, await AuthBody.ReadAsync<TokenParams>(s.Context)),
                "refresh_token" => await RefreshGrantAsync(s, await AuthBody.ReadAsync<TokenParams>(s.Context)),
                "pkce" => await PkceFlow.ExchangeAsync(s, project, await AuthBody.ReadAsync<TokenParams>(s.Context)),
                "id_token" => await IdTokenGrantAsync(s),
                "web3" => await Web3GrantAsync(s),
                _ => AuthErrors.UnsupportedGrantType().ToResult(),
            };
        }
        catch (AuthException e)
        {
            AuthMetrics.SignInFailed(grantType, e.Error.ErrorCode);
            throw;
        }

        if (result is AuthErrorResult failed)
        {
            AuthMetrics.SignInFailed(grantType, failed.Error.ErrorCode);
        }

        return result;
    }

    private static async Task<IResult> PasswordGrantAsync(AuthServices s, TokenParams input)
    {
        var project = s.Project;
        if (string.IsNullOrEmpty(input.Email) && string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("missing email or phone").ToResult();
        }

        if (!string.IsNullOrEmpty(input.Email) && !string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("Only an email address or phone number should be provided on login.").ToResult();
        }

        var byPhone = string.IsNullOrEmpty(input.Email);
        if (byPhone && !project.Settings.Auth.PhoneEnabled)
        {
            return new AuthError(422, "phone_provider_disabled", "Phone logins are disabled").ToResult();
        }

        // The password is checked between two short round trips, so a slow hash never holds a connection.
        User? user;
        await using (var lookup = await s.BeginAsync(RlsMode.SingleTrip))
        {
            // As GoTrue, the number is only stripped of '+' and spaces: one that is not E.164 finds no user.
            lookup.Add(byPhone
                ? User.FindByPhone((input.Phone!.StartsWith('+') ? input.Phone[1..] : input.Phone).Replace(" ", string.Empty, StringComparison.Ordinal))
                : User.FindByEmail(input.Email!.Trim()));
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

        if (byPhone ? !user.IsPhoneConfirmed : !user.IsConfirmed && !project.Settings.Auth.Autoconfirm)
        {
            return byPhone ? new AuthError(400, "phone_not_confirmed", "Phone not confirmed").ToResult() : AuthErrors.EmailNotConfirmed().ToResult();
        }

        await using var batch = await s.BeginAsync(RlsMode.SingleTrip);
        batch.Add(AuditLog.Entry(s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = byPhone ? "phone" : "email" }));
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
}
