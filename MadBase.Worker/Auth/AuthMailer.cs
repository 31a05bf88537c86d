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
/// Sends GoTrue's mails (<see cref="MailTemplates"/>) by SMTP when the project names a host; otherwise
/// captures them in auth_mail.outbox, the local stack's mail catcher (Control's
/// <c>GET /admin/v1/projects/{ref}/mail</c>).
/// </summary>
internal sealed partial class AuthMailer(ILogger<AuthMailer> logger)
{
    public async Task SendAsync(RlsTransaction tx, AuthSettings settings, MailContent mail, CancellationToken cancellationToken)
    {
        var (subject, body) = MailTemplates.Render(settings, mail);
        if (string.IsNullOrWhiteSpace(settings.SmtpHost))
        {
            await using var command = tx.CreateCommand(
                "INSERT INTO auth_mail.outbox (recipient, subject, body, kind, link, otp) VALUES ($1, $2, $3, $4, $5, $6)");
            command.Parameters.AddWithValue(mail.To);
            command.Parameters.AddWithValue(subject);
            command.Parameters.AddWithValue(body);
            command.Parameters.AddWithValue(KindName(mail.Kind));
            command.Parameters.AddWithValue(mail.ConfirmationUrl);
            command.Parameters.AddWithValue(mail.Token);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        using var message = new MailMessage(new MailAddress(settings.SmtpAdminEmail, settings.SmtpSenderName), new MailAddress(mail.To))
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
            throw new AuthException(new AuthError(500, "unexpected_failure", "Error sending " + KindName(mail.Kind) + " email"));
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

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "SMTP send through {Host} failed")]
    private static partial void LogSendFailed(ILogger logger, Exception error, string host);
}

/// <summary>
/// One mail: its kind, its recipient, and the values its template may use — GoTrue's template data (Email is
/// the user's current address, NewEmail the requested one, TokenHash the link's token).
/// </summary>
internal sealed record MailContent(
    MailKind Kind,
    string To,
    string Email,
    string? NewEmail,
    string ConfirmationUrl,
    string Token,
    string TokenHash,
    string RedirectTo,
    string UserMetadataJson);
