using System.Net.Sockets;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;

namespace MadBase.Worker.Auth;

internal enum MailKind
{
    Confirmation,
    Invite,
    MagicLink,
    Recovery,
    EmailChange,
    Reauthentication,
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

        using var message = new MimeMessage();
        message.From.Add(new MailboxAddress(settings.SmtpSenderName, settings.SmtpAdminEmail));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = subject;
        message.Body = new TextPart(TextFormat.Html) { Text = body };
        try
        {
            using var client = new SmtpClient();
            await client.ConnectAsync(settings.SmtpHost, settings.SmtpPort, Security(settings.SmtpPort), cancellationToken);
            if (settings.SmtpUser is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, settings.SmtpPass ?? string.Empty, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (IsSendFailure(e))
        {
            LogSendFailed(logger, e, settings.SmtpHost);
            throw new AuthException(new AuthError(500, "unexpected_failure", "Error sending " + KindName(mail.Kind) + " email"));
        }
    }

    /// <summary>
    /// As GoTrue's mailer: TLS from the first byte on port 465; elsewhere STARTTLS whenever the server offers it,
    /// the certificate checked against the host either way.
    /// </summary>
    internal static SecureSocketOptions Security(int port) =>
        port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;

    /// <summary>The server unreachable, refusing TLS, the login or a recipient, or breaking the conversation.</summary>
    private static bool IsSendFailure(Exception e) =>
        e is SocketException or IOException or TimeoutException or SslHandshakeException or AuthenticationException
            or CommandException or ProtocolException or NotSupportedException;

    public static string KindName(MailKind kind) => kind switch
    {
        MailKind.Confirmation => "confirmation",
        MailKind.Invite => "invite",
        MailKind.MagicLink => "magiclink",
        MailKind.Recovery => "recovery",
        MailKind.Reauthentication => "reauthentication",
        _ => "email_change",
    };

    [LoggerMessage(EventId = EventIds.SmtpSendFailed, Level = LogLevel.Warning, Message = "SMTP send through {Host} failed")]
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
