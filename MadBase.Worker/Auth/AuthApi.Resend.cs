namespace MadBase.Worker.Auth;

// POST /resend (GoTrue's resend.go): a mail or an SMS again. They answer {} whether or not the address or number is known,
// so they cannot be used to probe for accounts.
internal static partial class AuthApi
{
    private static async Task<IResult> Resend([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "resend", project.Settings.Auth.RateLimitOtp, FiveMinutes);
        var input = await AuthBody.ReadAsync<MailRequestParams>(s.Context);
        if (input.Type is not ("signup" or "email_change" or "sms" or "phone_change"))
        {
            return AuthErrors.BadRequestValidation("Missing one of these types: signup, email_change, sms, phone_change").ToResult();
        }

        var byPhone = string.IsNullOrEmpty(input.Email) && !string.IsNullOrEmpty(input.Phone);
        if (input.Type == "signup" && byPhone)
        {
            return AuthErrors.BadRequestValidation("Type provided requires an email address").ToResult();
        }

        if (input.Type == "sms" && string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("Type provided requires a phone number").ToResult();
        }

        if (!string.IsNullOrEmpty(input.Email) && !string.IsNullOrEmpty(input.Phone))
        {
            return AuthErrors.BadRequestValidation("Only an email address or phone number should be provided.").ToResult();
        }

        if (byPhone && !project.Settings.Auth.PhoneEnabled)
        {
            return AuthErrors.PhoneProviderDisabled("Phone logins are disabled").ToResult();
        }

        var email = byPhone ? null : Credentials.ValidEmail(input.Email);
        var phone = byPhone ? Credentials.ValidPhone(input.Phone) : null;
        await using var tx = await s.BeginAsync();
        var user = email is not null ? await User.FindByEmailAsync(tx, email, s.Aborted) : await User.FindByPhoneAsync(tx, phone!, s.Aborted);
        if (user is null)
        {
            return Empty();
        }

        if (input.Type is "sms" or "phone_change")
        {
            // As GoTrue: nothing to resend for a confirmed number or without a pending change.
            if (input.Type == "sms" && !user.IsPhoneConfirmed)
            {
                await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.RecoveryRequested, s.Clock.GetUtcNow(), null, s.Aborted);
                await PhoneOtps.SendAsync(tx, s, user, phone!, OneTimeTokenType.Confirmation);
            }
            else if (input.Type == "phone_change" && user.PhoneChange is { } newPhone)
            {
                await PhoneOtps.SendAsync(tx, s, user, newPhone, OneTimeTokenType.PhoneChange);
            }

            await tx.CommitAsync(s.Aborted);
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
}
