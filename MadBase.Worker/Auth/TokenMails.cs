using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Mails carrying a one-time token (GoTrue's sendConfirmation, sendRecovery, sendMagicLink, sendInvite): a
/// fresh OTP, its hash on the user, and a link to <c>/verify</c> on the API external URL. A PKCE flow
/// prefixes the stored hash with <c>pkce_</c>, so verification knows to redirect with a code. Email changes,
/// which may carry two tokens, are <see cref="EmailChangeMails"/>.
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
        string? redirectTo,
        bool send = true)
    {
        if (kind == MailKind.EmailChange)
        {
            throw new ArgumentException("email changes are sent by EmailChangeMails", nameof(kind));
        }

        var settings = project.Settings.Auth;
        var now = s.Clock.GetUtcNow();
        var type = TokenType(kind);
        if (send)
        {
            await CheckFrequencyAsync(tx, s, settings, user, type, now);
        }

        var address = user.Email ?? string.Empty;
        var (otp, stored) = NewToken(settings, address, challenge);
        if (challenge is not null)
        {
            await PkceFlow.CreateAsync(tx, user.Id, challenge, authenticationMethod, now, s.Aborted);
        }

        await user.SetOneTimeTokenAsync(tx, type, stored, address, now, s.Aborted);
        var redirect = RedirectUrls.Resolve(settings, redirectTo);
        var link = Link(settings, stored, LinkType(kind), redirect);
        if (send)
        {
            var mail = new MailContent(kind, address, address, null, link, otp, stored, redirect, user.UserMetadataJson);
            await s.Mailer.SendAsync(tx, settings, mail, s.Aborted);
        }

        return new MailedToken(link, otp, stored, LinkType(kind), redirect);
    }

    /// <summary>GoTrue's SMTP_MAX_FREQUENCY: one mail of a kind per user per interval, else 429 over_email_send_rate_limit.</summary>
    public static async Task CheckFrequencyAsync(
        RlsTransaction tx, AuthServices s, AuthSettings settings, User user, OneTimeTokenType type, DateTimeOffset now)
    {
        if (await user.SentAtAsync(tx, type, s.Aborted) is { } sentAt && sentAt.AddSeconds(settings.SmtpMaxFrequencySeconds) > now)
        {
            var left = (int)Math.Ceiling((sentAt.AddSeconds(settings.SmtpMaxFrequencySeconds) - now).TotalSeconds);
            throw new AuthException(AuthErrors.EmailRateLimited(left));
        }
    }

    /// <summary>A fresh OTP and the hash stored for it (with the PKCE prefix when the flow has a challenge).</summary>
    public static (string Otp, string Stored) NewToken(AuthSettings settings, string address, PkceChallenge? challenge)
    {
        var otp = OneTimeTokens.Otp(settings.MailerOtpLength);
        var hash = OneTimeTokens.Hash(address, otp);
        return (otp, challenge is null ? hash : "pkce_" + hash);
    }

    public static string Link(AuthSettings settings, string storedToken, string type, string redirect) =>
        settings.ApiExternalUrl.TrimEnd('/') + "/verify?token=" + Uri.EscapeDataString(storedToken)
        + "&type=" + type + "&redirect_to=" + Uri.EscapeDataString(redirect);

    public static OneTimeTokenType TokenType(MailKind kind) => kind switch
    {
        MailKind.Confirmation or MailKind.Invite => OneTimeTokenType.Confirmation,
        MailKind.MagicLink or MailKind.Recovery => OneTimeTokenType.Recovery,
        _ => throw new ArgumentException("email changes have two token types", nameof(kind)),
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
