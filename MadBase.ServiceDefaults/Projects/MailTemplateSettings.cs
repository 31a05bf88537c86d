namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// <c>settings.auth.mail_templates</c>: per mail, a <c>subject</c> and an HTML <c>body</c> (GoTrue's
/// MAILER_SUBJECTS_* and MAILER_TEMPLATES_*, given inline rather than as URLs). A null or missing field
/// keeps GoTrue's default text; the syntax is <see cref="MailTemplateText"/>'s.
/// </summary>
public sealed record MailTemplateSettings
{
    public MailTemplate? Confirmation { get; init; }

    public MailTemplate? Recovery { get; init; }

    public MailTemplate? MagicLink { get; init; }

    public MailTemplate? Invite { get; init; }

    public MailTemplate? EmailChange { get; init; }

    /// <summary>Each template with its settings name, for validation messages.</summary>
    public IEnumerable<(string Name, MailTemplate? Template)> Named() =>
    [
        ("confirmation", Confirmation),
        ("recovery", Recovery),
        ("magic_link", MagicLink),
        ("invite", Invite),
        ("email_change", EmailChange),
    ];
}

public sealed record MailTemplate
{
    public string? Subject { get; init; }

    public string? Body { get; init; }
}
