using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>Per-project settings, stored as JSON (snake_case) in <c>madbase.projects.settings</c>.</summary>
public sealed record ProjectSettings
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public AuthSettings Auth { get; init; } = new();

    public RestSettings Rest { get; init; } = new();

    public StorageSettings Storage { get; init; } = new();

    public ApiSettings Api { get; init; } = new();

    public static ProjectSettings Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) ? new() : JsonSerializer.Deserialize<ProjectSettings>(json, Json) ?? new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Defaults follow the Supabase CLI's local stack.</summary>
public sealed record AuthSettings
{
    public string SiteUrl { get; init; } = "http://127.0.0.1:3000";

    public IReadOnlyList<string> AdditionalRedirectUrls { get; init; } = [];

    public bool DisableSignup { get; init; }

    public bool Autoconfirm { get; init; } = true;

    public bool AnonymousSignIns { get; init; }

    public int JwtExpirySeconds { get; init; } = 3600;

    public int MinPasswordLength { get; init; } = 6;

    /// <summary>Where GoTrue is reached from outside: the JWT issuer and the base of links in mails.</summary>
    public string ApiExternalUrl { get; init; } = "http://127.0.0.1:8000/auth/v1";

    public int RefreshTokenReuseIntervalSeconds { get; init; } = 10;

    /// <summary>Lifetime of mailed links and OTPs (GoTrue's MAILER_OTP_EXP).</summary>
    public int MailerOtpExpSeconds { get; init; } = 3600;

    public int MailerOtpLength { get; init; } = 6;

    /// <summary>No host: mails are captured in the project database instead of sent (the local stack's mail catcher).</summary>
    public string? SmtpHost { get; init; }

    public int SmtpPort { get; init; } = 587;

    public string? SmtpUser { get; init; }

    public string? SmtpPass { get; init; }

    public string SmtpAdminEmail { get; init; } = "admin@example.com";

    public string SmtpSenderName { get; init; } = "MadBase";

    /// <summary>Least seconds between two mails of one kind to one user (the CLI's local default).</summary>
    public int SmtpMaxFrequencySeconds { get; init; } = 1;

    /// <summary>Requests per 5 minutes per client IP for POST /token (GoTrue's RATE_LIMIT_TOKEN_REFRESH).</summary>
    public int RateLimitTokenRefresh { get; init; } = 150;

    /// <summary>Requests per 5 minutes per client IP for /signup, /otp, /magiclink, /recover, /resend, /verify.</summary>
    public int RateLimitOtp { get; init; } = 30;

    public int RateLimitVerify { get; init; } = 30;

    /// <summary>Passkey sign-in challenges per 5 minutes per client IP (GoTrue's RATE_LIMIT_PASSKEY).</summary>
    public int RateLimitPasskey { get; init; } = 30;

    /// <summary>Anonymous sign-ins per hour per client IP.</summary>
    public int RateLimitAnonymousUsers { get; init; } = 30;

    /// <summary>How access tokens are signed (GoTrue's JWT keys, per project).</summary>
    public JwtSigningSettings JwtSigning { get; init; } = new();

    /// <summary>
    /// GoTrue's MAILER_SECURE_EMAIL_CHANGE_ENABLED: a new email address takes effect only once both the current
    /// and the new address confirmed it; off, the new address alone confirms.
    /// </summary>
    public bool MailerSecureEmailChangeEnabled { get; init; } = true;

    /// <summary>Subjects and bodies of the mails Auth sends; what is left out keeps GoTrue's default.</summary>
    public MailTemplateSettings MailTemplates { get; init; } = new();

    /// <summary>
    /// GoTrue's SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION (Supabase's "secure password change"): a session
    /// older than 24 hours changes the password only with the nonce <c>GET /reauthenticate</c> mailed.
    /// </summary>
    public bool SecurityUpdatePasswordRequireReauthentication { get; init; }

    /// <summary>Multi-factor authentication (GoTrue's GOTRUE_MFA_*), with its defaults.</summary>
    public MfaSettings Mfa { get; init; } = new();

    /// <summary>OAuth/OIDC sign-in providers by GoTrue's name (github, google, …, and <c>oidc</c>); none is enabled by default.</summary>
    public IReadOnlyDictionary<string, ExternalProviderSettings> External { get; init; } = new Dictionary<string, ExternalProviderSettings>();

    /// <summary>GoTrue's EXTERNAL_PHONE_ENABLED: sign-up and sign-in with a phone number and an SMS OTP.</summary>
    public bool PhoneEnabled { get; init; }

    public SmsSettings Sms { get; init; } = new();

    public AuthHookSettings Hooks { get; init; } = new();

    public Web3Settings Web3 { get; init; } = new();

    /// <summary>GoTrue's SECURITY_MANUAL_LINKING_ENABLED: signed-in users may link and unlink identities themselves.</summary>
    public bool SecurityManualLinkingEnabled { get; init; }

    /// <summary>Passkey sign-in (GoTrue's GOTRUE_PASSKEY_*), off by default as in GoTrue.</summary>
    public PasskeySettings Passkey { get; init; } = new();

    /// <summary>The WebAuthn relying party that passkeys and WebAuthn MFA factors are bound to (GoTrue's GOTRUE_WEBAUTHN_*).</summary>
    public WebAuthnSettings Webauthn { get; init; } = new();

    /// <summary>SAML 2.0 single sign-on (GoTrue's GOTRUE_SAML_*), off by default as in GoTrue.</summary>
    public SamlSettings Saml { get; init; } = new();
}

public sealed record SamlSettings
{
    public bool Enabled { get; init; }

    /// <summary>
    /// GOTRUE_SAML_PRIVATE_KEY: the service provider's RSA key (2048 bits or more), PKCS#1 DER in standard Base64.
    /// Null: the project's own key, generated once and kept in its auth schema.
    /// </summary>
    public string? PrivateKey { get; init; }

    /// <summary>
    /// GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS: the metadata offers the key for encryption too (and its certificate
    /// allows data encipherment). Encrypted assertions are decrypted either way, as GoTrue's.
    /// </summary>
    public bool AllowEncryptedAssertions { get; init; }

    /// <summary>Seconds a sign-in started with <c>POST /sso</c> can be answered (GOTRUE_SAML_RELAY_STATE_VALIDITY_PERIOD).</summary>
    public int RelayStateValidityPeriodSeconds { get; init; } = 120;

    /// <summary>Sign-ins started with <c>POST /sso</c> per 5 minutes per client IP (GoTrue's RATE_LIMIT_SSO).</summary>
    public int RateLimitSso { get; init; } = 30;

    /// <summary>Responses posted to the ACS per 5 minutes per client IP (GOTRUE_SAML_RATE_LIMIT_ASSERTION).</summary>
    public int RateLimitAssertion { get; init; } = 15;
}

public sealed record PasskeySettings
{
    public bool Enabled { get; init; }

    /// <summary>GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER.</summary>
    public int MaxPasskeysPerUser { get; init; } = 10;
}

/// <summary>
/// GoTrue requires the relying party to be configured once WebAuthn is on; here what is left out follows the
/// site URL (its host as the RP ID, its origin as the one allowed origin), which is what a project serving its
/// app from the site URL needs.
/// </summary>
public sealed record WebAuthnSettings
{
    /// <summary>GOTRUE_WEBAUTHN_RP_ID: a registrable domain the origins belong to; null for the site URL's host.</summary>
    public string? RpId { get; init; }

    /// <summary>GOTRUE_WEBAUTHN_RP_DISPLAY_NAME: the name authenticators show; null for the RP ID.</summary>
    public string? RpDisplayName { get; init; }

    /// <summary>GOTRUE_WEBAUTHN_RP_ORIGINS: the origins ceremonies may come from; empty for the site URL's origin.</summary>
    public IReadOnlyList<string> RpOrigins { get; init; } = [];

    /// <summary>Seconds a registration or sign-in challenge can be answered (GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION).</summary>
    public int ChallengeExpiryDuration { get; init; } = 300;
}

/// <summary>
/// GoTrue's MFA configuration and defaults: TOTP on; phone factors off unless switched on, as in GoTrue; WebAuthn
/// factors off by default, as in GoTrue, and use <see cref="AuthSettings.Webauthn"/>.
/// </summary>
public sealed record MfaSettings
{
    /// <summary>Factors a user may hold, verified or not (GOTRUE_MFA_MAX_ENROLLED_FACTORS).</summary>
    public int MaxEnrolledFactors { get; init; } = 10;

    /// <summary>GOTRUE_MFA_MAX_VERIFIED_FACTORS.</summary>
    public int MaxVerifiedFactors { get; init; } = 10;

    /// <summary>Seconds a challenge can be verified; GoTrue raises anything below 300 to 300.</summary>
    public int ChallengeExpiryDuration { get; init; } = 300;

    /// <summary>Seconds an unverified factor without a challenge lives; GoTrue raises anything below 300 to 300.</summary>
    public int FactorExpiryDuration { get; init; } = 300;

    /// <summary>Challenges, and verifications, per minute per client IP (GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY).</summary>
    public int RateLimitChallengeAndVerify { get; init; } = 15;

    public MfaFactorTypeSettings Totp { get; init; } = new();

    /// <summary>GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED and _VERIFY_ENABLED.</summary>
    public MfaWebAuthnSettings WebAuthn { get; init; } = new();

    /// <summary>Phone factors (GOTRUE_MFA_PHONE_*): off unless switched on; their codes go out as phone sign-in's SMS do.</summary>
    public MfaPhoneSettings Phone { get; init; } = new();
}

/// <summary>Off unless switched on, as GoTrue's WebAuthn factor defaults (TOTP's are on).</summary>
public sealed record MfaWebAuthnSettings
{
    public bool EnrollEnabled { get; init; }

    public bool VerifyEnabled { get; init; }
}

public sealed record MfaPhoneSettings
{
    public bool EnrollEnabled { get; init; }

    public bool VerifyEnabled { get; init; }

    public int OtpLength { get; init; } = 6;

    /// <summary>Least seconds between two challenges of one phone factor (GoTrue's one minute).</summary>
    public int MaxFrequencySeconds { get; init; } = 60;

    public string Template { get; init; } = "Your code is {{ .Code }}";
}

public sealed record MfaFactorTypeSettings
{
    public bool EnrollEnabled { get; init; } = true;

    public bool VerifyEnabled { get; init; } = true;
}

/// <summary>
/// <c>HS256</c> (the default) signs with the project's JWT secret. <c>RS256</c> or <c>ES256</c> make Control
/// generate a key pair: access tokens carry its <c>kid</c> and verify against <c>/auth/v1/.well-known/jwks.json</c>.
/// HS256 tokens signed with the secret (the API keys) keep verifying whatever the algorithm.
/// </summary>
public sealed record JwtSigningSettings
{
    public string Algorithm { get; init; } = "HS256";
}

public sealed record RestSettings
{
    public IReadOnlyList<string> Schemas { get; init; } = ["public"];

    public int? MaxRows { get; init; }

    /// <summary>PostgREST's db-aggregates-enabled: count()/sum()/avg()/min()/max() in select.</summary>
    public bool AggregatesEnabled { get; init; }

    /// <summary>PostgREST's db-tx-end=commit-allow-override: honour <c>Prefer: tx=rollback</c>.</summary>
    public bool AllowTxRollback { get; init; }

    /// <summary>
    /// PostgREST's db-plan-enabled: <c>Accept: application/vnd.pgrst.plan</c> answers with the EXPLAIN of the
    /// request's statement. Off by default, as it reveals the database's internals.
    /// </summary>
    public bool PlanEnabled { get; init; }

    /// <summary>PostgREST's db-pre-request: a schema-qualified function called before each request.</summary>
    public string? PreRequest { get; init; }
}

public sealed record StorageSettings
{
    public long FileSizeLimit { get; init; } = 50L * 1024 * 1024;
}

/// <summary>How the gateway admits requests to the project.</summary>
public sealed record ApiSettings
{
    /// <summary>
    /// Requests without an apikey run as anon, as on the Supabase CLI's local stack; a bearer project JWT alone
    /// then also names the project. Off by default, as on hosted Supabase, where such requests get a 401.
    /// </summary>
    public bool Keyless { get; init; }
}
