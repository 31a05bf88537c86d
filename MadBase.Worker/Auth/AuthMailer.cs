using System.Net;
using System.Net.Mail;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

internal enum MailKind
{
    Confirmation,
    Invite,
    MagicLink,
    Recovery,
    EmailChange,
}

/// <summary>
/// Sends GoTrue's mails (templates as its defaults) by SMTP when the project names a host; otherwise
/// captures them in auth_mail.outbox, the local stack's mail catcher (Control's
/// <c>GET /admin/v1/projects/{ref}/mail</c>).
/// </summary>
internal sealed partial class AuthMailer(ILogger<AuthMailer> logger)
{
    public async Task SendAsync(
        RlsTransaction tx, AuthSettings settings, MailKind kind, string to, string link, string otp, string? newEmail, CancellationToken cancellationToken)
    {
        var (subject, template) = Template(kind);
        var body = template
            .Replace("{{ .ConfirmationURL }}", WebUtility.HtmlEncode(link), StringComparison.Ordinal)
            .Replace("{{ .Token }}", otp, StringComparison.Ordinal)
            .Replace("{{ .SiteURL }}", WebUtility.HtmlEncode(settings.SiteUrl), StringComparison.Ordinal)
            .Replace("{{ .Email }}", WebUtility.HtmlEncode(to), StringComparison.Ordinal)
            .Replace("{{ .NewEmail }}", WebUtility.HtmlEncode(newEmail ?? string.Empty), StringComparison.Ordinal);
        var recipient = kind == MailKind.EmailChange && newEmail is not null ? newEmail : to;

        if (string.IsNullOrWhiteSpace(settings.SmtpHost))
        {
            await using var command = tx.CreateCommand(
                "INSERT INTO auth_mail.outbox (recipient, subject, body, kind, link, otp) VALUES ($1, $2, $3, $4, $5, $6)");
            command.Parameters.AddWithValue(recipient);
            command.Parameters.AddWithValue(subject);
            command.Parameters.AddWithValue(body);
            command.Parameters.AddWithValue(KindName(kind));
            command.Parameters.AddWithValue(link);
            command.Parameters.AddWithValue(otp);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        using var message = new MailMessage(new MailAddress(settings.SmtpAdminEmail, settings.SmtpSenderName), new MailAddress(recipient))
        {
            Subject = subject,
            Body = body,
            IsBodyHtml = true,
        };
        using var client = new SmtpClient(settings.SmtpHost, settings.SmtpPort)
        {
            EnableSsl = settings.SmtpPort == 465 || settings.SmtpPort == 587,
            Credentials = settings.SmtpUser is { Length: > 0 } user ? new NetworkCredential(user, settings.SmtpPass) : null,
        };
        try
        {
            await client.SendMailAsync(message, cancellationToken);
        }
        catch (SmtpException e)
        {
            LogSendFailed(logger, e, settings.SmtpHost);
            throw new AuthException(new AuthError(500, "unexpected_failure", "Error sending " + KindName(kind) + " email"));
        }
    }

    public static string KindName(MailKind kind) => kind switch
    {
        MailKind.Confirmation => "confirmation",
        MailKind.Invite => "invite",
        MailKind.MagicLink => "magiclink",
        MailKind.Recovery => "recovery",
        _ => "email_change",
    };

    private static (string Subject, string Body) Template(MailKind kind) => kind switch
    {
        MailKind.Confirmation => ("Confirm Your Signup",
            "<h2>Confirm your signup</h2>\n<p>Follow this link to confirm your user:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Confirm your mail</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        MailKind.Invite => ("You have been invited",
            "<h2>You have been invited</h2>\n<p>You have been invited to create a user on {{ .SiteURL }}. Follow this link to accept the invite:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Accept the invite</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        MailKind.MagicLink => ("Your Magic Link",
            "<h2>Magic Link</h2>\n<p>Follow this link to login:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Log In</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        MailKind.Recovery => ("Reset Your Password",
            "<h2>Reset Password</h2>\n<p>Follow this link to reset the password for your user:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Reset Password</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
        _ => ("Confirm Email Change",
            "<h2>Confirm Change of Email</h2>\n<p>Follow this link to confirm the update of your email from {{ .Email }} to {{ .NewEmail }}:</p>\n<p><a href=\"{{ .ConfirmationURL }}\">Change Email</a></p>\n<p>Alternatively, enter the code: {{ .Token }}</p>"),
    };

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "SMTP send through {Host} failed")]
    private static partial void LogSendFailed(ILogger logger, Exception error, string host);
}
