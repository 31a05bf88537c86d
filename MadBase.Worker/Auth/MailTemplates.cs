using System.Text.Json;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>
/// The subject and body of each mail: the project's own (<c>settings.auth.mail_templates</c>) or GoTrue's
/// default texts (supabase/auth internal/mailer/templatemailer), with GoTrue's variables filled in by
/// <see cref="MailTemplateText"/>. An empty subject or body means the default, as in GoTrue.
/// </summary>
internal static class MailTemplates
{
    public static (string Subject, string Body) Render(AuthSettings settings, MailContent mail)
    {
        var (defaultSubject, defaultBody) = Default(mail.Kind);
        var custom = Custom(settings.MailTemplates, mail.Kind);
        var subject = string.IsNullOrWhiteSpace(custom?.Subject) ? defaultSubject : custom.Subject;
        var body = string.IsNullOrWhiteSpace(custom?.Body) ? defaultBody : custom.Body;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConfirmationURL"] = mail.ConfirmationUrl,
            ["Token"] = mail.Token,
            ["TokenHash"] = mail.TokenHash,
            ["SiteURL"] = settings.SiteUrl,
            ["Email"] = mail.Email,
            ["NewEmail"] = mail.NewEmail,
            ["RedirectTo"] = mail.RedirectTo,
        };
        using var metadata = JsonDocument.Parse(mail.UserMetadataJson);
        return (
            MailTemplateText.Render(subject, values, metadata.RootElement, html: false),
            MailTemplateText.Render(body, values, metadata.RootElement, html: true));
    }

    private static MailTemplate? Custom(MailTemplateSettings templates, MailKind kind) => kind switch
    {
        MailKind.Confirmation => templates.Confirmation,
        MailKind.Invite => templates.Invite,
        MailKind.MagicLink => templates.MagicLink,
        MailKind.Recovery => templates.Recovery,
        MailKind.Reauthentication => null,
        _ => templates.EmailChange,
    };

    private static (string Subject, string Body) Default(MailKind kind) => kind switch
    {
        MailKind.Confirmation => ("Confirm your email address", """
            <h2>Confirm your email address</h2>

            <p>Follow the link below to confirm this email address and finish signing up.</p>
            <p><a href="{{ .ConfirmationURL }}">Confirm email address</a></p>

            """),
        MailKind.Invite => ("You've been invited", """
            <h2>You've been invited</h2>

            <p>You've been invited to create an account. Follow the link below to accept.</p>
            <p><a href="{{ .ConfirmationURL }}">Accept invitation</a></p>
            """),
        MailKind.MagicLink => ("Your sign-in link", """
            <h2>Your sign-in link</h2>

            <p>Follow the link below to sign in. This link expires shortly and can only be used once.</p>
            <p><a href="{{ .ConfirmationURL }}">Sign in</a></p>
            """),
        MailKind.Recovery => ("Reset your password", """
            <h2>Reset your password</h2>

            <p>We received a request to reset your password. Follow the link below to choose a new one.</p>
            <p><a href="{{ .ConfirmationURL }}">Reset password</a></p>
            <p>If you didn't request this, you can safely ignore this email.</p>
            """),
        MailKind.Reauthentication => ("{{ .Token }} is your verification code", """
            <h2>Your verification code</h2>

            <p>Use the code below to verify your identity. It expires shortly.</p>
            <p>{{ .Token }}</p>
            """),
        _ => ("Confirm your new email address", """
            <h2>Confirm your new email address</h2>

            <p>Follow the link below to confirm {{ .NewEmail }} as your new email address.</p>
            <p><a href="{{ .ConfirmationURL }}">Confirm new email address</a></p>
            <p>If you didn't request this change, you can safely ignore this email.</p>
            """),
    };
}
