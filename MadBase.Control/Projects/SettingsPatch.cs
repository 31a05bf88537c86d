using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.Projects;

/// <summary>
/// Settings are stored as the caller wrote them (only what differs from the defaults), so a later
/// release's better default still reaches projects that never chose otherwise. Changes apply as a JSON
/// merge patch (RFC 7396): objects merge key by key, any other value replaces, null removes.
/// </summary>
internal static class SettingsPatch
{
    private const int MaxJwtExpirySeconds = 7 * 24 * 3600;
    private const int MaxSubjectLength = 500;
    private const int MaxBodyLength = 100_000;

    /// <summary>
    /// Strict, unlike <see cref="ProjectSettings.Parse"/>: a misspelt key or a number written as a string
    /// is an error here, not a silent default or a value only lenient readers accept.
    /// </summary>
    private static readonly JsonSerializerOptions Strict = new(ProjectSettings.Json)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The stored document after the patch, and the settings it means; throws a 400 when they are not valid.</summary>
    public static (JsonObject Stored, ProjectSettings Effective) Apply(JsonObject stored, JsonObject patch)
    {
        var merged = stored.DeepClone().AsObject();
        MergeInto(merged, patch);
        return (merged, Validate(merged));
    }

    private static void MergeInto(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            switch (value)
            {
                case null:
                    target.Remove(key);
                    break;
                case JsonObject child:
                    if (target[key] is not JsonObject existing)
                    {
                        existing = [];
                        target[key] = existing;
                    }

                    MergeInto(existing, child);
                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }
        }
    }

    private static ProjectSettings Validate(JsonObject settings)
    {
        ProjectSettings parsed;
        try
        {
            parsed = settings.Deserialize<ProjectSettings>(Strict) ?? new();
        }
        catch (JsonException e)
        {
            throw AdminException.BadRequest($"settings{e.Path?.TrimStart('$')} is unknown or has the wrong type");
        }

        var error = parsed switch
        {
            { Auth.JwtExpirySeconds: <= 0 or > MaxJwtExpirySeconds } => $"settings.auth.jwt_expiry_seconds must be between 1 and {MaxJwtExpirySeconds}",
            { Auth.MinPasswordLength: < 6 or > 72 } => "settings.auth.min_password_length must be between 6 and 72",
            { Storage.FileSizeLimit: <= 0 } => "settings.storage.file_size_limit must be positive",
            { Auth.Mfa.MaxEnrolledFactors: < 1 } => "settings.auth.mfa.max_enrolled_factors must be at least 1",
            { Auth.Mfa.MaxVerifiedFactors: < 1 } => "settings.auth.mfa.max_verified_factors must be at least 1",
            { Auth.Mfa.RateLimitChallengeAndVerify: < 0 } => "settings.auth.mfa.rate_limit_challenge_and_verify must not be negative",
            { Auth.Passkey.MaxPasskeysPerUser: < 1 } => "settings.auth.passkey.max_passkeys_per_user must be at least 1",
            { Auth.Webauthn.ChallengeExpiryDuration: < 1 } => "settings.auth.webauthn.challenge_expiry_duration must be positive",
            { Auth.Webauthn.RpId: { } rpId } when Uri.CheckHostName(rpId) is not (UriHostNameType.Dns or UriHostNameType.IPv4) =>
                "settings.auth.webauthn.rp_id must be a host name",
            _ when parsed.Auth.Webauthn.RpOrigins.Any(o => !Uri.TryCreate(o, UriKind.Absolute, out var origin) || origin.Scheme is not ("http" or "https")) =>
                "settings.auth.webauthn.rp_origins must be absolute http(s) URLs",
            { Rest.MaxRows: <= 0 } => "settings.rest.max_rows must be positive or null",
            { Auth.Sms.OtpLength: < 6 or > 10 } => "settings.auth.sms.otp_length must be between 6 and 10",
            { Auth.Sms.OtpExpSeconds: <= 0 } => "settings.auth.sms.otp_exp_seconds must be positive",
            { Auth.Sms.MaxFrequencySeconds: < 0 } => "settings.auth.sms.max_frequency_seconds must not be negative",
            { Auth.Sms.Template.Length: 0 or > MaxBodyLength } => $"settings.auth.sms.template must have 1 to {MaxBodyLength} characters",
            { Auth.Web3.MaximumValiditySeconds: <= 0 } => "settings.auth.web3.maximum_validity_seconds must be positive",
            { Auth.Saml.RelayStateValidityPeriodSeconds: <= 0 } => "settings.auth.saml.relay_state_validity_period_seconds must be positive",
            { Auth.Saml.RateLimitSso: < 0 } => "settings.auth.saml.rate_limit_sso must not be negative",
            { Auth.Saml.RateLimitAssertion: < 0 } => "settings.auth.saml.rate_limit_assertion must not be negative",
            { Auth.Saml.PrivateKey: { } samlKey } when !IsSamlPrivateKey(samlKey) =>
                "settings.auth.saml.private_key must be an RSA key of 2048 bits or more, PKCS#1 DER in standard Base64",
            { Auth.Hooks.SendSms: { Enabled: true, Uri: var uri } } when uri is null || !IsHttpUrl(uri) =>
                "settings.auth.hooks.send_sms.uri must be an absolute http(s) URL when the hook is enabled",
            { Auth.Hooks.SendSms: { Enabled: true, Secrets: var secrets } } when !HookSecrets.AreValid(secrets) =>
                "settings.auth.hooks.send_sms.secrets must be one or more v1,whsec_<base64> secrets separated by |",
            _ when parsed.Rest.Schemas.Count == 0 || parsed.Rest.Schemas.Any(string.IsNullOrWhiteSpace) =>
                "settings.rest.schemas must name at least one schema, and no empty ones",
            _ when !Uri.TryCreate(parsed.Auth.SiteUrl, UriKind.Absolute, out _) => "settings.auth.site_url must be an absolute URL",
            _ when !SigningAlgorithms.All.Contains(parsed.Auth.JwtSigning.Algorithm) =>
                "settings.auth.jwt_signing.algorithm must be one of " + string.Join(", ", SigningAlgorithms.All),
            _ => MailTemplateError(parsed.Auth.MailTemplates) ?? ExternalProviderError(parsed.Auth.External),
        };
        return error is null ? parsed : throw AdminException.BadRequest(error);
    }

    private static string? MailTemplateError(MailTemplateSettings templates)
    {
        foreach (var (name, template) in templates.Named())
        {
            var path = "settings.auth.mail_templates." + name;
            var error = template switch
            {
                null => null,
                { Subject.Length: > MaxSubjectLength } => $"{path}.subject must be at most {MaxSubjectLength} characters",
                { Subject: { } subject } when subject.AsSpan().IndexOfAny('\r', '\n') >= 0 => $"{path}.subject must be one line",
                { Body.Length: > MaxBodyLength } => $"{path}.body must be at most {MaxBodyLength} characters",
                _ => TemplateTextError(path + ".subject", template.Subject) ?? TemplateTextError(path + ".body", template.Body),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>An enabled provider needs what GoTrue's validateProvider needs: a client id, a secret (Apple's ID tokens need none), and for oidc its issuer.</summary>
    private static string? ExternalProviderError(IReadOnlyDictionary<string, ExternalProviderSettings> providers)
    {
        foreach (var (name, provider) in providers)
        {
            var path = "settings.auth.external." + name;
            var error = provider switch
            {
                _ when !ExternalProviderSettings.Supported.Contains(name) =>
                    $"{path} is not a supported provider (one of {string.Join(", ", ExternalProviderSettings.Supported)})",
                { Url: { } url } when !IsHttpUrl(url) => $"{path}.url must be an absolute http(s) URL",
                { RedirectUri: { } uri } when !IsHttpUrl(uri) => $"{path}.redirect_uri must be an absolute http(s) URL",
                { Enabled: false } => null,
                { ClientId: null or "" } => $"{path}.client_id is required when the provider is enabled",
                { Secret: null or "" } when name != "apple" => $"{path}.secret is required when the provider is enabled",
                { Url: null } when name == "oidc" => $"{path}.url (the issuer) is required when the provider is enabled",
                _ => null,
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>GoTrue's check of GOTRUE_SAML_PRIVATE_KEY: Base64 PKCS#1, RSA of at least 2048 bits.</summary>
    private static bool IsSamlPrivateKey(string base64)
    {
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportRSAPrivateKey(Convert.FromBase64String(base64), out _);
            return rsa.KeySize >= 2048;
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private static string? TemplateTextError(string path, string? text) =>
        text is not null && MailTemplateText.Problem(text) is { } problem ? $"{path}: {problem}" : null;
}
