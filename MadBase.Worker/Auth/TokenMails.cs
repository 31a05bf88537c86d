using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Mails carrying a one-time token (GoTrue's sendConfirmation, sendRecovery, sendMagicLink, sendInvite,
/// sendEmailChange): a fresh OTP, its hash on the user, and a link to <c>/verify</c> on the API external URL.
/// A PKCE flow prefixes the stored hash with <c>pkce_</c>, so verification knows to redirect with a code.
/// </summary>
internal static class TokenMails
{
    public static async Task<MailedToken> SendAsync(
        RlsTransaction tx,
        AuthServices s,
        Project project,
        User user,
        MailKind kind,
        PkceChallenge? challenge,
        string authenticationMethod,
        string? newEmail,
        string? redirectTo,
        bool send = true)
    {
        var settings = project.Settings.Auth;
        var now = s.Clock.GetUtcNow();
        var type = TokenType(kind);
        if (send && await user.SentAtAsync(tx, type, s.Aborted) is { } sentAt
            && sentAt.AddSeconds(settings.SmtpMaxFrequencySeconds) > now)
        {
            var left = (int)Math.Ceiling((sentAt.AddSeconds(settings.SmtpMaxFrequencySeconds) - now).TotalSeconds);
            throw new AuthException(AuthErrors.EmailRateLimited(left));
        }

        var address = newEmail ?? user.Email ?? string.Empty;
        var otp = OneTimeTokens.Otp(settings.MailerOtpLength);
        var hash = OneTimeTokens.Hash(address, otp);
        var stored = challenge is null ? hash : "pkce_" + hash;
        if (challenge is not null)
        {
            await PkceFlow.CreateAsync(tx, user.Id, challenge, authenticationMethod, now, s.Aborted);
        }

        if (kind == MailKind.EmailChange)
        {
            await user.RequestEmailChangeAsync(tx, address, stored, now, s.Aborted);
            await OneTimeTokens.UpsertAsync(tx, user.Id, type, stored, address, now, s.Aborted);
        }
        else
        {
            await user.SetOneTimeTokenAsync(tx, type, stored, address, now, s.Aborted);
        }

        var redirect = RedirectUrls.Resolve(settings, redirectTo);
        var link = settings.ApiExternalUrl.TrimEnd('/') + "/verify?token=" + Uri.EscapeDataString(stored)
            + "&type=" + LinkType(kind) + "&redirect_to=" + Uri.EscapeDataString(redirect);
        if (send)
        {
            var mail = new MailContent(
                kind, address, user.Email ?? string.Empty, newEmail, link, otp, stored, redirect, user.UserMetadataJson);
            await s.Mailer.SendAsync(tx, settings, mail, s.Aborted);
        }

        return new MailedToken(link, otp, stored, LinkType(kind), redirect);
    }

    public static OneTimeTokenType TokenType(MailKind kind) => kind switch
    {
        MailKind.Confirmation or MailKind.Invite => OneTimeTokenType.Confirmation,
        MailKind.MagicLink or MailKind.Recovery => OneTimeTokenType.Recovery,
        _ => OneTimeTokenType.EmailChangeNew,
    };

    public static string LinkType(MailKind kind) => kind switch
    {
        MailKind.Confirmation => "signup",
        MailKind.Invite => "invite",
        MailKind.MagicLink => "magiclink",
        MailKind.Recovery => "recovery",
        _ => "email_change",
    };
}

/// <summary>What a token mail carried (admin generate_link answers with it instead of sending).</summary>
internal sealed record MailedToken(string ActionLink, string Otp, string HashedToken, string VerificationType, string RedirectTo);
