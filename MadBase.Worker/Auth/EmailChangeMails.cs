using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// The mails of an email change (GoTrue's sendEmailChange): a token to the new address and, with secure email
/// change on (<c>mailer_secure_email_change_enabled</c>, the default) and a current address to ask, a second
/// token to the current one. Each hash is of its own address and OTP, so each OTP verifies with its address.
/// </summary>
internal static class EmailChangeMails
{
    public static async Task SendAsync(
        RlsTransaction tx, AuthServices s, Project project, User user, string newEmail, PkceChallenge? challenge, string? redirectTo)
    {
        var settings = project.Settings.Auth;
        var now = s.Clock.GetUtcNow();
        await TokenMails.CheckFrequencyAsync(tx, s, settings, user, OneTimeTokenType.EmailChangeNew, now);
        if (challenge is not null)
        {
            await PkceFlow.CreateAsync(tx, user.Id, challenge, "email_change", now, s.Aborted);
        }

        var currentEmail = user.Email ?? string.Empty;
        var (otpNew, storedNew) = TokenMails.NewToken(settings, newEmail, challenge);
        var (otpCurrent, storedCurrent) = settings.MailerSecureEmailChangeEnabled && currentEmail.Length > 0
            ? TokenMails.NewToken(settings, currentEmail, challenge)
            : (string.Empty, string.Empty);

        await user.RequestEmailChangeAsync(tx, newEmail, storedNew, storedCurrent, now, s.Aborted);
        await OneTimeTokens.UpsertAsync(tx, user.Id, OneTimeTokenType.EmailChangeNew, storedNew, newEmail, now, s.Aborted);
        if (storedCurrent.Length > 0)
        {
            await OneTimeTokens.UpsertAsync(tx, user.Id, OneTimeTokenType.EmailChangeCurrent, storedCurrent, currentEmail, now, s.Aborted);
        }
        else
        {
            await OneTimeTokens.DeleteAsync(tx, user.Id, OneTimeTokenType.EmailChangeCurrent, s.Aborted);
        }

        var redirect = RedirectUrls.Resolve(settings, redirectTo);
        await SendOneAsync(tx, s, settings, user, newEmail, newEmail, otpNew, storedNew, redirect);
        if (storedCurrent.Length > 0)
        {
            await SendOneAsync(tx, s, settings, user, currentEmail, newEmail, otpCurrent, storedCurrent, redirect);
        }
    }

    /// <summary>
    /// Admin generate_link's <c>email_change_new</c> / <c>email_change_current</c>: one token, for the address the
    /// type names, set beside whatever the other one is (as GoTrue), and no mail.
    /// </summary>
    public static async Task<MailedToken> GenerateLinkAsync(
        RlsTransaction tx, AuthServices s, Project project, User user, string newEmail, bool current, string? redirectTo)
    {
        var settings = project.Settings.Auth;
        if (current && !settings.MailerSecureEmailChangeEnabled)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Enable secure email change to generate link for current email"));
        }

        var now = s.Clock.GetUtcNow();
        var type = current ? OneTimeTokenType.EmailChangeCurrent : OneTimeTokenType.EmailChangeNew;
        var address = current ? user.Email ?? string.Empty : newEmail;
        var (otp, stored) = TokenMails.NewToken(settings, address, null);
        await user.SetEmailChangeTokenAsync(tx, type, newEmail, stored, now, s.Aborted);
        await OneTimeTokens.UpsertAsync(tx, user.Id, type, stored, address, now, s.Aborted);
        var redirect = RedirectUrls.Resolve(settings, redirectTo);
        return new MailedToken(TokenMails.Link(settings, stored, "email_change", redirect), otp, stored, "email_change", redirect);
    }

    private static Task SendOneAsync(
        RlsTransaction tx, AuthServices s, AuthSettings settings, User user, string to, string newEmail, string otp, string stored, string redirect) =>
        s.Mailer.SendAsync(
            tx,
            settings,
            new MailContent(
                MailKind.EmailChange,
                to,
                user.Email ?? string.Empty,
                newEmail,
                TokenMails.Link(settings, stored, "email_change", redirect),
                otp,
                stored,
                redirect,
                user.UserMetadataJson),
            s.Aborted);
}
