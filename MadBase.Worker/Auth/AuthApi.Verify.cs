using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// GET|POST /verify (GoTrue's verify.go): a mailed link (token = the hash) or an OTP with its email.
internal static partial class AuthApi
{
    private static readonly string[] VerifyTypes = ["signup", "invite", "magiclink", "recovery", "email_change", "email"];

    private static async Task<IResult> VerifyPost([AsParameters] AuthServices s)
    {
        var project = (await s.TenantAsync()).Project!;
        await s.Limiter.CheckAsync(s.Context, project, "verify", project.Settings.Auth.RateLimitVerify, FiveMinutes);
        var input = await AuthBody.ReadAsync<VerifyParams>(s.Context);
        await using var tx = await s.Database.BeginAsync(s.Context, project);
        var verified = await VerifyAsync(tx, s, project, input, redirecting: false);
        await tx.CommitAsync(s.Aborted);
        return verified.Session!.ToResult();
    }

    private static async Task<IResult> VerifyGet([AsParameters] AuthServices s)
    {
        var project = (await s.TenantAsync()).Project!;
        var settings = project.Settings.Auth;
        var query = s.Context.Request.Query;
        var input = new VerifyParams { Type = query["type"].ToString(), Token = query["token"].ToString(), RedirectTo = query["redirect_to"].ToString() };
        var redirect = RedirectUrls.Resolve(settings, input.RedirectTo);
        try
        {
            await s.Limiter.CheckAsync(s.Context, project, "verify", settings.RateLimitVerify, FiveMinutes);
            await using var tx = await s.Database.BeginAsync(s.Context, project);
            var verified = await VerifyAsync(tx, s, project, new VerifyParams { Type = input.Type, TokenHash = input.Token }, redirecting: true);
            await tx.CommitAsync(s.Aborted);
            var separator = redirect.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            return SeeOther(
                s.Context,
                verified.PkceCode is { } code
                    ? redirect + separator + "code=" + Uri.EscapeDataString(code)
                    : redirect + "#" + verified.Session!.AsFragment(input.Type ?? string.Empty));
        }
        catch (AuthException e)
        {
            var description = e.Error.ErrorCode == "otp_expired" ? "Email link is invalid or has expired" : e.Error.Message;
            return SeeOther(
                s.Context,
                redirect + "#error=access_denied&error_code=" + e.Error.ErrorCode + "&error_description=" + Uri.EscapeDataString(description).Replace("%20", "+", StringComparison.Ordinal));
        }
    }

    private static async Task<(IssuedSession? Session, string? PkceCode)> VerifyAsync(
        RlsTransaction tx, AuthServices s, Project project, VerifyParams input, bool redirecting)
    {
        var type = input.Type ?? string.Empty;
        if (type.Length == 0)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Verify requires a verification type"));
        }

        if (!VerifyTypes.Contains(type))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Unsupported verification type"));
        }

        var kinds = type switch
        {
            "signup" => new[] { OneTimeTokenType.Confirmation },
            "invite" => [OneTimeTokenType.Confirmation],
            "magiclink" or "recovery" => [OneTimeTokenType.Recovery],
            "email_change" => [OneTimeTokenType.EmailChangeNew],
            _ => [OneTimeTokenType.Confirmation, OneTimeTokenType.Recovery],
        };

        User? user = null;
        OneTimeTokenType matched = kinds[0];
        string? stored = null;
        if (!string.IsNullOrEmpty(input.TokenHash))
        {
            foreach (var kind in kinds)
            {
                user = await User.FindByTokenAsync(tx, kind, input.TokenHash, s.Aborted);
                if (user is not null)
                {
                    (matched, stored) = (kind, input.TokenHash);
                    break;
                }
            }
        }
        else if (!string.IsNullOrEmpty(input.Token))
        {
            if (string.IsNullOrEmpty(input.Email))
            {
                throw new AuthException(AuthErrors.BadRequestValidation("Only an email address or phone number should be provided on verify"));
            }

            var email = Credentials.ValidEmail(input.Email);
            foreach (var kind in kinds)
            {
                // The OTP hashes with the address it was sent to: the new one for an email change.
                var candidate = kind == OneTimeTokenType.EmailChangeNew
                    ? await FindEmailChangeAsync(tx, email, input.Token, s.Aborted)
                    : await User.FindByEmailAsync(tx, email, s.Aborted);
                var hash = OneTimeTokens.Hash(kind == OneTimeTokenType.EmailChangeNew ? candidate?.EmailChange ?? email : email, input.Token);
                foreach (var value in new[] { hash, "pkce_" + hash })
                {
                    if (candidate is not null && await User.FindByTokenAsync(tx, kind, value, s.Aborted) is { } found && found.Id == candidate.Id)
                    {
                        (user, matched, stored) = (found, kind, value);
                        break;
                    }
                }

                if (user is not null)
                {
                    break;
                }
            }
        }
        else
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Verify requires either a token or a token hash"));
        }

        var now = s.Clock.GetUtcNow();
        if (user is null || stored is null
            || await user.SentAtAsync(tx, matched, s.Aborted) is not { } sentAt
            || sentAt.AddSeconds(project.Settings.Auth.MailerOtpExpSeconds) < now)
        {
            throw new AuthException(AuthErrors.OtpExpired());
        }

        string method;
        switch (matched)
        {
            case OneTimeTokenType.Confirmation:
                await user.ConfirmEmailAsync(tx, now, s.Aborted);
                method = type == "invite" ? "invite" : type == "email" ? "otp" : "email/signup";
                break;
            case OneTimeTokenType.Recovery:
                await user.ConfirmEmailAsync(tx, now, s.Aborted);
                method = type == "recovery" ? "recovery" : type == "email" ? "otp" : "magiclink";
                break;
            default:
                await user.SetEmailAsync(tx, user.EmailChange!, confirmed: true, now, s.Aborted);
                method = "email_change";
                break;
        }

        await user.ClearOneTimeTokenAsync(tx, matched, s.Aborted);
        var pkceMethod = matched switch
        {
            OneTimeTokenType.Confirmation => type == "invite" ? "invite" : "email/signup",
            OneTimeTokenType.Recovery => type == "recovery" ? "recovery" : "magiclink",
            _ => "email_change",
        };
        string? code = null;
        if (stored.StartsWith("pkce_", StringComparison.Ordinal))
        {
            code = await PkceFlow.IssueCodeAsync(tx, user.Id, pkceMethod, now, s.Aborted)
                ?? await PkceFlow.IssueCodeAsync(tx, user.Id, method, now, s.Aborted);
        }

        if (code is not null && redirecting)
        {
            return (null, code); // the session starts when the client exchanges the code
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = "email" }, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, project, user, method, s.Context, s.Aborted);
        return (session, null);
    }

    /// <summary>GoTrue redirects from /verify with 303 See Other.</summary>
    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static async Task<User?> FindEmailChangeAsync(RlsTransaction tx, string newEmail, string otp, CancellationToken cancellationToken)
    {
        var hash = OneTimeTokens.Hash(newEmail, otp);
        return await User.FindByTokenAsync(tx, OneTimeTokenType.EmailChangeNew, hash, cancellationToken)
            ?? await User.FindByTokenAsync(tx, OneTimeTokenType.EmailChangeNew, "pkce_" + hash, cancellationToken);
    }
}
