using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// Verifies a project's HS256 JWTs as PostgREST does: the signature with the project's secret, only the
/// allowed algorithm, and exp/nbf/iat with 30 s of leeway (checked here against the injected clock).
/// </summary>
public sealed class JwtVerifier(TimeProvider time)
{
    public static readonly TimeSpan Leeway = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, SymmetricSecurityKey> keys = new(StringComparer.Ordinal);

    public async Task<JwtVerification> VerifyAsync(string token, string secret)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 16 * 1024)
        {
            return JwtVerification.Fail("invalid JWT");
        }

        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = keys.GetOrAdd(secret, static s => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(s))),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
        };

        var result = await Handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return JwtVerification.Fail("invalid JWT");
        }

        var claimsJson = Base64UrlEncoder.Decode(jwt.EncodedPayload);
        using var document = JsonDocument.Parse(claimsJson);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return JwtVerification.Fail("invalid JWT");
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var leeway = (long)Leeway.TotalSeconds;
        if (NumericClaim(root, "exp") is { } exp && now - leeway >= exp)
        {
            return JwtVerification.Fail("JWT expired");
        }

        if (NumericClaim(root, "nbf") is { } nbf && now + leeway < nbf)
        {
            return JwtVerification.Fail("JWT not yet valid");
        }

        if (NumericClaim(root, "iat") is { } iat && now + leeway < iat)
        {
            return JwtVerification.Fail("JWT issued in the future");
        }

        return new JwtVerification(
            true,
            null,
            claimsJson,
            StringClaim(root, "role"),
            StringClaim(root, "sub"),
            StringClaim(root, "ref"));
    }

    private static long? NumericClaim(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    private static string? StringClaim(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The outcome of <see cref="JwtVerifier.VerifyAsync"/>; <see cref="ClaimsJson"/> is the payload as signed.</summary>
public sealed record JwtVerification(bool IsValid, string? Error, string ClaimsJson, string? Role, string? Subject, string? ProjectRef)
{
    public static JwtVerification Fail(string error) => new(false, error, "{}", null, null, null);
}
