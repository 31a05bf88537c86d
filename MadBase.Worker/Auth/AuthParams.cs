using System.Text.Json;

namespace MadBase.Worker.Auth;

// Request bodies, snake_case on the wire (GoTrue's *Params structs).
internal sealed class SignupParams
{
    public string? Email { get; set; }

    public string? Phone { get; set; }

    /// <summary>How an SMS OTP is delivered: sms (the default) or whatsapp.</summary>
    public string? Channel { get; set; }

    public string? Password { get; set; }

    public JsonElement? Data { get; set; }

    public string? CodeChallenge { get; set; }

    public string? CodeChallengeMethod { get; set; }
}

internal sealed class TokenParams
{
    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string? Password { get; set; }

    public string? RefreshToken { get; set; }

    public string? AuthCode { get; set; }

    public string? CodeVerifier { get; set; }
}

internal sealed class UserUpdateParams
{
    public string? Email { get; set; }

    public string? Phone { get; set; }

    /// <summary>How an SMS OTP is delivered: sms (the default) or whatsapp.</summary>
    public string? Channel { get; set; }

    public string? Password { get; set; }

    public JsonElement? Data { get; set; }

    public string? Nonce { get; set; }

    public string? CodeChallenge { get; set; }

    public string? CodeChallengeMethod { get; set; }
}

internal sealed class MailRequestParams
{
    public string? Email { get; set; }

    public string? Phone { get; set; }

    /// <summary>How an SMS OTP is delivered: sms (the default) or whatsapp.</summary>
    public string? Channel { get; set; }

    public string? Type { get; set; }

    public JsonElement? Data { get; set; }

    public bool? CreateUser { get; set; }

    public string? CodeChallenge { get; set; }

    public string? CodeChallengeMethod { get; set; }

    public string? RedirectTo { get; set; }
}

/// <summary>POST /token?grant_type=web3 (GoTrue's Web3GrantParams).</summary>
internal sealed class Web3GrantParams
{
    public string? Message { get; set; }

    public string? Signature { get; set; }

    public string? Chain { get; set; }
}

internal sealed class VerifyParams
{
    public string? Type { get; set; }

    public string? Token { get; set; }

    public string? TokenHash { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string? RedirectTo { get; set; }
}

internal sealed class AdminUserParams
{
    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string? Password { get; set; }

    public bool? EmailConfirm { get; set; }

    public bool? PhoneConfirm { get; set; }

    public JsonElement? UserMetadata { get; set; }

    public JsonElement? AppMetadata { get; set; }

    public string? Role { get; set; }

    public string? BanDuration { get; set; }

    public JsonElement? Data { get; set; }

    public string? RedirectTo { get; set; }
}

internal sealed class GenerateLinkParams
{
    public string? Type { get; set; }

    public string? Email { get; set; }

    public string? NewEmail { get; set; }

    public string? Password { get; set; }

    public JsonElement? Data { get; set; }

    public string? RedirectTo { get; set; }
}

internal sealed class EnrollFactorParams
{
    public string? FactorType { get; set; }

    public string? FriendlyName { get; set; }

    public string? Issuer { get; set; }

    public string? Phone { get; set; }
}

internal sealed class ChallengeFactorParams
{
    /// <summary>How a phone factor's code is delivered: sms (the default) or whatsapp.</summary>
    public string? Channel { get; set; }
}

internal sealed class VerifyFactorParams
{
    public Guid? ChallengeId { get; set; }

    public string? Code { get; set; }

    /// <summary>A WebAuthn factor's answer; auth-js also sends rpId and rpOrigins, which GoTrue ignores for its configured ones.</summary>
    public WebAuthnFactorParams? Webauthn { get; set; }
}

internal sealed class WebAuthnFactorParams
{
    /// <summary>"create" answers an unverified factor's challenge (its registration), "request" a verified one's.</summary>
    public string? Type { get; set; }

    public JsonElement? CredentialResponse { get; set; }
}

/// <summary>POST /passkeys/registration/verify and /passkeys/authentication/verify.</summary>
internal sealed class PasskeyVerifyParams
{
    public string? ChallengeId { get; set; }

    public JsonElement? Credential { get; set; }
}

internal sealed class PasskeyUpdateParams
{
    public string? FriendlyName { get; set; }
}

internal sealed class AdminFactorParams
{
    public string? FriendlyName { get; set; }

    public string? Phone { get; set; }
}
