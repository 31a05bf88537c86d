namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// One OAuth/OIDC sign-in provider of a project, named as GoTrue's GOTRUE_EXTERNAL_&lt;PROVIDER&gt;_* settings
/// (<c>settings.auth.external.github.client_id</c> …). <see cref="Url"/> is the provider's base URL (GitHub,
/// GitLab, Discord, Azure's tenant) or its issuer (Google, Apple, the generic <c>oidc</c> provider); left out,
/// the provider's public address is used.
/// </summary>
public sealed record ExternalProviderSettings
{
    /// <summary>The providers MadBase signs in with; GoTrue's others answer "provider is not enabled".</summary>
    public static readonly IReadOnlyList<string> Supported = ["apple", "azure", "discord", "github", "gitlab", "google", "oidc"];

    public bool Enabled { get; init; }

    public string? ClientId { get; init; }

    /// <summary>Shown masked by Control's admin API; only the worker reads it whole.</summary>
    public string? Secret { get; init; }

    /// <summary>The callback registered at the provider; left out, the project's <c>api_external_url</c> + <c>/callback</c>.</summary>
    public string? RedirectUri { get; init; }

    public string? Url { get; init; }

    /// <summary>GoTrue's SKIP_NONCE_CHECK: accept an ID token with a nonce when the client sent none (some iOS SDKs).</summary>
    public bool SkipNonceCheck { get; init; }

    /// <summary>GoTrue's EMAIL_OPTIONAL: sign in even when the provider gives no email address.</summary>
    public bool EmailOptional { get; init; }
}

/// <summary>What Control's admin API shows of a provider's or a hook's secret (or the SAML key): its last four characters, never the whole.</summary>
public static class ProviderSecrets
{
    public static AuthSettings Masked(AuthSettings auth) => auth with
    {
        External = auth.External.Count == 0 ? auth.External
            : auth.External.ToDictionary(p => p.Key, p => p.Value with { Secret = Mask(p.Value.Secret) }),
        Hooks = auth.Hooks with { SendSms = auth.Hooks.SendSms with { Secrets = Mask(auth.Hooks.SendSms.Secrets) } },
        Saml = auth.Saml with { PrivateKey = Mask(auth.Saml.PrivateKey) },
    };

    private static string? Mask(string? secret) =>
        secret is null ? null : secret.Length >= 12 ? "****" + secret[^4..] : "****";
}
