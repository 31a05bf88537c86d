namespace MadBase.Worker.Auth;

// POST /resend (GoTrue's resend.go). They answer {} whether or not the address is known,
// so they cannot be used to probe for accounts.
internal static partial class AuthApi
{
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
}
