using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// GET|POST /verify (GoTrue's verify.go): a mailed link (token = the hash) or an OTP with its email.
internal static partial class AuthApi
{
    private const string SingleConfirmationAccepted = "Confirmation link accepted. Please proceed to confirm link sent to the other email";

    private static readonly string[] VerifyTypes = ["signup", "invite", "magiclink", "recovery", "email_change", "email"];

    private static async Task<IResult> VerifyPost([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "verify", project.Settings.Auth.RateLimitVerify, FiveMinutes);
        var input = await AuthBody.ReadAsync<VerifyParams>(s.Context);
        CheckVerifyPost(input);
        await using var tx = await s.BeginAsync();
        if (!string.IsNullOrEmpty(input.Phone))
        {
            var session = await VerifyPhoneAsync(tx, s, input.Type!, Credentials.ValidPhone(input.Phone), input.Token!);
            await tx.CommitAsync(s.Aborted);
            return session.ToResult();
        }

        var verified = await VerifyAsync(tx, s, project, input, redirecting: false);
        await tx.CommitAsync(s.Aborted);
        return verified.AwaitsOtherAddress
            ? TypedResults.Json(new Dictionary<string, string> { ["msg"] = SingleConfirmationAccepted, ["code"] = "200" })
            : verified.Session!.ToResult();
    }

    private static async Task<IResult> VerifyGet([AsParameters] AuthServices s)
    {
        var project = s.Project;
        var settings = project.Settings.Auth;
        var query = s.Context.Request.Query;
        var input = new VerifyParams { Type = query["type"].ToString(), Token = query["token"].ToString(), RedirectTo = query["redirect_to"].ToString() };
        var redirect = RedirectUrls.Resolve(settings, input.RedirectTo);
        try
        {
            await s.Limiter.CheckAsync(s.Context, project, "verify", settings.RateLimitVerify, FiveMinutes);
            await using var tx = await s.BeginAsync();
            var verified = await VerifyAsync(tx, s, project, new VerifyParams { Type = input.Type, TokenHash = input.Token }, redirecting: true);
            await tx.CommitAsync(s.Aborted);
            var separator = redirect.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            if (verified.AwaitsOtherAddress)
            {
                // As GoTrue's prepRedirectURL: the message in the fragment, and in the query too for PKCE clients.
                var message = Uri.EscapeDataString(SingleConfirmationAccepted).Replace("%20", "+", StringComparison.Ordinal);
                var pkceQuery = input.Token?.StartsWith("pkce_", StringComparison.Ordinal) == true ? separator + "message=" + message : string.Empty;
                return SeeOther(s.Context, redirect + pkceQuery + "#message=" + message + "&sb=");
            }

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

    /// <summary>
    /// Finds the user a mailed token or OTP belongs to, applies what it confirms, and ends in a session, a
    /// PKCE code, or (secure email change) a wait for the other address.
    /// </summary>
    private static async Task<Verified> VerifyAsync(
        RlsTransaction tx, AuthServices s, Project project, VerifyParams input, bool redirecting)
    {
        var type = input.Type ?? string.Empty;
        var (user, matched, stored) = await FindTokenAsync(tx, s, input, TokenKinds(type));
        var now = s.Clock.GetUtcNow();
        if (user is null || stored is null
            || await user.SentAtAsync(tx, matched, s.Aborted) is not { } sentAt
            || sentAt.AddSeconds(project.Settings.Auth.MailerOtpExpSeconds) < now)
        {
            throw new AuthException(AuthErrors.OtpExpired());
        }

        var method = await ConfirmAsync(tx, s, project, user, matched, type, now);
        if (method is null)
        {
            return new Verified(null, null, AwaitsOtherAddress: true);
        }

        user = method == "email_change" ? await user.ReloadAsync(tx, s.Aborted) : user;
        await user.ClearOneTimeTokenAsync(tx, matched, s.Aborted);
        var code = stored.StartsWith("pkce_", StringComparison.Ordinal)
            ? await IssuePkceCodeAsync(tx, s, user, matched, type, method, now)
            : null;
        if (code is not null && redirecting)
        {
            return new Verified(null, code, false); // the session starts when the client exchanges the code
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = "email" }, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, project, user, method, s.Context, s.Aborted);
        return new Verified(session, null, false);
    }

    /// <summary>
    /// GoTrue's VerifyParams.Validate for POST, and how it ends for a type MadBase has no tokens for: a token hash of
    /// another type is "Invalid email verification type"; an email OTP of another type matches no token, so it has
    /// expired or is invalid.
    /// </summary>
    private static void CheckVerifyPost(VerifyParams input)
    {
        if (string.IsNullOrEmpty(input.Type))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Verify requires a verification type"));
        }

        var hasToken = !string.IsNullOrEmpty(input.Token);
        if (hasToken == !string.IsNullOrEmpty(input.TokenHash))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Verify requires either a token or a token hash"));
        }

        var byEmail = string.IsNullOrEmpty(input.Phone) && !string.IsNullOrEmpty(input.Email);
        var byPhone = !string.IsNullOrEmpty(input.Phone) && string.IsNullOrEmpty(input.Email);
        if (!hasToken)
        {
            if (!string.IsNullOrEmpty(input.Email) || !string.IsNullOrEmpty(input.Phone) || !string.IsNullOrEmpty(input.RedirectTo))
            {
                throw new AuthException(AuthErrors.BadRequestValidation("Only the token_hash and type should be provided"));
            }

            if (!VerifyTypes.Contains(input.Type))
            {
                throw new AuthException(AuthErrors.BadRequestValidation("Invalid email verification type"));
            }
        }
        else if (byPhone)
        {
            Credentials.ValidPhone(input.Phone);
        }
        else if (!byEmail)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Only an email address or phone number should be provided on verify"));
        }
        else if (!VerifyTypes.Contains(input.Type))
        {
            Credentials.ValidEmail(input.Email!);
            throw new AuthException(AuthErrors.OtpExpired());
        }
    }

    /// <summary>
    /// An SMS OTP (GoTrue's smsVerify): <c>sms</c> confirms the number and signs its holder in, <c>phone_change</c>
    /// makes the requested number the user's; another type with a phone matches nothing.
    /// </summary>
    private static async Task<IssuedSession> VerifyPhoneAsync(RlsTransaction tx, AuthServices s, string type, string phone, string otp)
    {
        var user = await PhoneOtps.VerifyAsync(tx, s, type, phone, otp);
        var now = s.Clock.GetUtcNow();
        if (type == "sms")
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.SignedUp, now, new Dictionary<string, object> { ["provider"] = "phone" }, s.Aborted);
            await user.ConfirmPhoneAsync(tx, now, s.Aborted);
            await user.ClearOneTimeTokenAsync(tx, OneTimeTokenType.Confirmation, s.Aborted);
        }
        else
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserModified, now, null, s.Aborted);
            await user.ConfirmPhoneChangeAsync(tx, phone, now, s.Aborted);
        }

        user = await user.ReloadAsync(tx, s.Aborted);
        return await s.Tokens.SignInAsync(tx, s.Project, user, "otp", s.Context, s.Aborted);
    }

    /// <summary>Which one-time tokens a verification type may match, in the order they are tried.</summary>
    private static OneTimeTokenType[] TokenKinds(string type)
    {
        if (type.Length == 0)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Verify requires a verification type"));
        }

        if (!VerifyTypes.Contains(type))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Invalid email verification type"));
        }

        return type switch
        {
            "signup" => [OneTimeTokenType.Confirmation],
            "invite" => [OneTimeTokenType.Confirmation],
            "magiclink" or "recovery" => [OneTimeTokenType.Recovery],
            "email_change" => [OneTimeTokenType.EmailChangeCurrent, OneTimeTokenType.EmailChangeNew],
            _ => [OneTimeTokenType.Confirmation, OneTimeTokenType.Recovery],
        };
    }

    /// <summary>The user holding the link's token hash, or the OTP sent to the given address; with the token as stored.</summary>
    private static async Task<(User? User, OneTimeTokenType Matched, string? Stored)> FindTokenAsync(
        RlsTransaction tx, AuthServices s, VerifyParams input, OneTimeTokenType[] kinds)
    {
        if (!string.IsNullOrEmpty(input.TokenHash))
        {
            foreach (var kind in kinds)
            {
                if (await User.FindByTokenAsync(tx, kind, input.TokenHash, s.Aborted) is { } user)
                {
                    return (user, kind, input.TokenHash);
                }
            }

            return (null, kinds[0], null);
        }

        if (string.IsNullOrEmpty(input.Token))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Verify requires either a token or a token hash"));
        }

        if (string.IsNullOrEmpty(input.Email))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Only an email address or phone number should be provided on verify"));
        }

        // The OTP hashes with the address it was sent to, so the hash finds the user, who must hold that address
        // for the token's kind: the new one for the new-address token of an email change, else the current one.
        var email = Credentials.ValidEmail(input.Email);
        var hash = OneTimeTokens.Hash(email, input.Token);
        foreach (var kind in kinds)
        {
            foreach (var value in new[] { hash, "pkce_" + hash })
            {
                if (await User.FindByTokenAsync(tx, kind, value, s.Aborted) is { } found
                    && string.Equals(kind == OneTimeTokenType.EmailChangeNew ? found.EmailChange : found.Email, email, StringComparison.OrdinalIgnoreCase))
                {
                    return (found, kind, value);
                }
            }
        }

        return (null, kinds[0], null);
    }

    /// <summary>
    /// Applies what the token confirms: the address, or the email change. The sign-in method it stands for, or
    /// null when an email change still waits for its other address.
    /// </summary>
    private static async Task<string?> ConfirmAsync(
        RlsTransaction tx, AuthServices s, Project project, User user, OneTimeTokenType matched, string type, DateTimeOffset now)
    {
        switch (matched)
        {
            case OneTimeTokenType.Confirmation:
                await user.ConfirmEmailAsync(tx, now, s.Aborted);
                return type == "invite" ? "invite" : type == "email" ? "otp" : "email/signup";
            case OneTimeTokenType.Recovery:
                await user.ConfirmEmailAsync(tx, now, s.Aborted);
                return type == "recovery" ? "recovery" : type == "email" ? "otp" : "magiclink";
        }

        if (await AwaitsOtherAddressAsync(tx, project, user, s.Aborted))
        {
            await user.ConfirmEmailChangeOnceAsync(tx, matched, now, s.Aborted);
            return null;
        }

        await user.SetEmailAsync(tx, user.EmailChange!, confirmed: true, now, s.Aborted);
        await OneTimeTokens.DeleteAsync(tx, user.Id, OneTimeTokenType.EmailChangeCurrent, s.Aborted);
        await OneTimeTokens.DeleteAsync(tx, user.Id, OneTimeTokenType.EmailChangeNew, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserModified, now, null, s.Aborted);
        return "email_change";
    }

    /// <summary>The PKCE code for a flow the token was issued in, under the flow's method or, failing that, the sign-in's.</summary>
    private static async Task<string?> IssuePkceCodeAsync(
        RlsTransaction tx, AuthServices s, User user, OneTimeTokenType matched, string type, string method, DateTimeOffset now)
    {
        var flowMethod = matched switch
        {
            OneTimeTokenType.Confirmation => type == "invite" ? "invite" : "email/signup",
            OneTimeTokenType.Recovery => type == "recovery" ? "recovery" : "magiclink",
            _ => "email_change",
        };
        return await PkceFlow.IssueCodeAsync(tx, user.Id, flowMethod, now, s.Aborted)
            ?? await PkceFlow.IssueCodeAsync(tx, user.Id, method, now, s.Aborted);
    }

    /// <summary>
    /// GoTrue's emailChangeVerify: with secure email change (and no autoconfirm), the first of the two addresses
    /// to confirm only records it. Unlike GoTrue, a change whose other token was never issued (generate_link for
    /// one address, or the setting turned on after the request) completes instead of waiting forever.
    /// </summary>
    private static async Task<bool> AwaitsOtherAddressAsync(RlsTransaction tx, Project project, User user, CancellationToken cancellationToken)
    {
        var settings = project.Settings.Auth;
        if (settings.Autoconfirm || !settings.MailerSecureEmailChangeEnabled || string.IsNullOrEmpty(user.Email))
        {
            return false;
        }

        var (confirmStatus, currentPending, newPending) = await user.EmailChangeStateAsync(tx, cancellationToken);
        return confirmStatus == 0 && currentPending && newPending;
    }

    /// <summary>GoTrue redirects from /verify with 303 See Other.</summary>
    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>What a verification ended in: a session, a PKCE code to redirect with, or a wait for the other address.</summary>
    private sealed record Verified(IssuedSession? Session, string? PkceCode, bool AwaitsOtherAddress);
}
