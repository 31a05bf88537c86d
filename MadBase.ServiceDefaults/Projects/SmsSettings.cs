namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// GoTrue's GOTRUE_SMS_* for phone sign-in (with <see cref="AuthSettings.PhoneEnabled"/>), with its defaults,
/// except the resend interval, which is the Supabase CLI's local one.
/// </summary>
public sealed record SmsSettings
{
    /// <summary>GOTRUE_SMS_AUTOCONFIRM: a phone signup is confirmed (and signed in) without an OTP.</summary>
    public bool Autoconfirm { get; init; }

    /// <summary>Seconds an SMS OTP can be verified (GOTRUE_SMS_OTP_EXP).</summary>
    public int OtpExpSeconds { get; init; } = 60;

    public int OtpLength { get; init; } = 6;

    /// <summary>Least seconds between two SMS of one kind to one user (GOTRUE_SMS_MAX_FREQUENCY).</summary>
    public int MaxFrequencySeconds { get; init; } = 5;

    /// <summary>The message; <c>{{ .Code }}</c> is the OTP (GOTRUE_SMS_TEMPLATE).</summary>
    public string Template { get; init; } = "Your code is {{ .Code }}";

    /// <summary>SMS sent per hour by the project, all clients together (GOTRUE_RATE_LIMIT_SMS_SENT); 0 lifts it.</summary>
    public int RateLimitSent { get; init; } = 30;
}

/// <summary>GoTrue's auth hooks (GOTRUE_HOOK_*); MadBase has the Send SMS hook, over HTTP.</summary>
public sealed record AuthHookSettings
{
    /// <summary>With it on, every SMS goes to this hook instead of being captured.</summary>
    public HttpHookSettings SendSms { get; init; } = new();
}

/// <summary>
/// An HTTP hook as GoTrue calls it: a POST of JSON to <c>Uri</c>, signed with the Standard Webhooks scheme under
/// each of <c>Secrets</c> (<c>v1,whsec_&lt;base64&gt;</c>, several separated by <c>|</c>).
/// </summary>
public sealed record HttpHookSettings
{
    public bool Enabled { get; init; }

    public string? Uri { get; init; }

    public string? Secrets { get; init; }
}

/// <summary>GoTrue's GOTRUE_EXTERNAL_WEB3_*: Sign in with Ethereum (EIP-4361) and with Solana, off by default.</summary>
public sealed record Web3Settings
{
    public bool EthereumEnabled { get; init; }

    public bool SolanaEnabled { get; init; }

    /// <summary>How far from its Issued At a signed message is accepted, either way (MAXIMUM_VALIDITY_DURATION, 10 minutes).</summary>
    public int MaximumValiditySeconds { get; init; } = 600;

    /// <summary>Web3 sign-ins per 5 minutes per client IP (GOTRUE_RATE_LIMIT_WEB3).</summary>
    public int RateLimit { get; init; } = 30;
}
