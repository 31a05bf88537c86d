using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// Verifies a project's JWTs as PostgREST and GoTrue do: the signature, only allowed algorithms, and
/// exp/nbf/iat with 30 s of leeway (checked here against the injected clock). HS256 tokens verify with the
/// project's secret and nothing else; RS256/ES256 tokens with the public half of the project key their
/// <c>kid</c> names, and only under that key's own algorithm. So an HS256 token "signed" with a public key
/// (algorithm confusion), <c>none</c>, or a key used under another algorithm never verifies.
/// </summary>
public sealed class JwtVerifier(TimeProvider time)
{
    public static readonly TimeSpan Leeway = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, SymmetricSecurityKey> keys = new(StringComparer.Ordinal);
    private readonly VerifiedTokenCache verified = new(capacity: 4096);

    /// <summary>
    /// HS256 only, and exact: for tokens only the secret ever signs and whose lifetime the caller chose to
    /// the second (signed URLs). storage-api checks those with jose, which gives no leeway, so a URL made to
    /// live 1 s is refused from the next second on.
    /// </summary>
    public Task<JwtVerification> VerifyExactAsync(string token, string secret) => VerifyAsync(token, secret, [], TimeSpan.Zero);

    /// <summary>A session or API key token, with <see cref="Leeway"/> for clock skew between issuer and us, as PostgREST allows.</summary>
    public Task<JwtVerification> VerifyAsync(string token, string secret, IReadOnlyList<SigningKey> signingKeys) =>
        VerifyAsync(token, secret, signingKeys, Leeway);

    private async Task<JwtVerification> VerifyAsync(string token, string secret, IReadOnlyList<SigningKey> signingKeys, TimeSpan skew)
    {
        if (token is null || token.Length > 16 * 1024 || !IsCompactJws(token))
        {
            return JwtVerification.Fail(JwtVerification.Malformed);
        }

        if (!verified.TryGet(token, out var known) || !IsStillTrusted(known, secret, signingKeys))
        {
            if (await VerifySignatureAsync(token, secret, signingKeys) is not { } fresh)
            {
                return JwtVerification.Fail(JwtVerification.BadSignature);
            }

            verified.Add(token, fresh);
            known = fresh;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var leeway = (long)skew.TotalSeconds;
        if (known.Expires is { } exp && now - leeway >= exp)
        {
            return JwtVerification.Fail(JwtVerification.Expired);
        }

        if (known.NotBefore is { } nbf && now + leeway < nbf)
        {
            return JwtVerification.Fail(JwtVerification.NotYetValid);
        }

        if (known.IssuedAt is { } iat && now + leeway < iat)
        {
            return JwtVerification.Fail("JWT issued in the future");
        }

        return new JwtVerification(true, null, known.ClaimsJson, known.Role, known.Subject, known.ProjectRef);
    }

    private async Task<VerifiedToken?> VerifySignatureAsync(string token, string secret, IReadOnlyList<SigningKey> signingKeys)
    {
        if (VerifyingKey(token, secret, signingKeys) is not (var key, var algorithm, var kid))
        {
            return null;
        }

        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [algorithm],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
        };

        var result = await Handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        var claimsJson = Base64UrlEncoder.Decode(jwt.EncodedPayload);
        using var document = JsonDocument.Parse(claimsJson);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new VerifiedToken(
            key,
            algorithm,
            kid,
            claimsJson,
            StringClaim(root, "role"),
            StringClaim(root, "sub"),
            StringClaim(root, "ref"),
            NumericClaim(root, "exp"),
            NumericClaim(root, "nbf"),
            NumericClaim(root, "iat"));
    }

    /// <summary>A cached verification counts only while the key that checked it is still one this project verifies with.</summary>
    private bool IsStillTrusted(VerifiedToken known, string secret, IReadOnlyList<SigningKey> signingKeys)
    {
        if (known.Algorithm == SigningAlgorithms.HS256)
        {
            return keys.TryGetValue(secret, out var key) && ReferenceEquals(key, known.Key);
        }

        var now = time.GetUtcNow();
        foreach (var signingKey in signingKeys)
        {
            if (signingKey.Kid == known.Kid && signingKey.Algorithm == known.Algorithm && signingKey.CanVerify(now)
                && ReferenceEquals(SigningKeyMaterial.Of(signingKey).Verifying, known.Key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The one key, and the one algorithm, a token may verify with, chosen from its header before any
    /// signature is checked; null when the header names nothing this project signs with.
    /// </summary>
    private (SecurityKey Key, string Algorithm, string? Kid)? VerifyingKey(string token, string secret, IReadOnlyList<SigningKey> signingKeys)
    {
        JsonWebToken unverified;
        try
        {
            unverified = Handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // A malformed header or segment (SecurityTokenMalformedException is an ArgumentException;
            // a segment whose length no base64 text has is a FormatException): the client's token is bad.
            return null;
        }

        var algorithm = unverified.Alg;
        if (algorithm == SigningAlgorithms.HS256)
        {
            return (keys.GetOrAdd(secret, static s => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(s))), algorithm, null);
        }

        if (!SigningAlgorithms.IsAsymmetric(algorithm) || string.IsNullOrEmpty(unverified.Kid))
        {
            return null;
        }

        var now = time.GetUtcNow();
        foreach (var signingKey in signingKeys)
        {
            if (signingKey.Kid == unverified.Kid && signingKey.Algorithm == algorithm && signingKey.CanVerify(now))
            {
                return (SigningKeyMaterial.Of(signingKey).Verifying, algorithm, signingKey.Kid);
            }
        }

        return null;
    }

    /// <summary>
    /// Only a signed compact JWT can verify: three base64url segments (the last, the signature, may be empty
    /// so that <c>alg: none</c> is refused by the algorithm check rather than here). Checked before the
    /// token library sees it, because it reads a five-part token as an encrypted JWT (JWE) and throws on
    /// segments that are not base64url, and nothing here ever accepts an encrypted token.
    /// </summary>
    internal static bool IsCompactJws(string token)
    {
        var dots = 0;
        var segmentStart = 0;
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c == '.')
            {
                if (i == segmentStart || ++dots > 2)
                {
                    return false;
                }

                segmentStart = i + 1;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return dots == 2;
    }

    private static long? NumericClaim(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    private static string? StringClaim(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The outcome of <see cref="JwtVerifier.VerifyAsync"/>; <see cref="ClaimsJson"/> is the payload as signed.</summary>
public sealed record JwtVerification(bool IsValid, string? Error, string ClaimsJson, string? Role, string? Subject, string? ProjectRef)
{
    /// <summary>Not a compact JWS of three parts (a JWE, garbage, an oversized token).</summary>
    public const string Malformed = "invalid JWT";

    /// <summary>No key of the project verifies its signature (or it is another project's token).</summary>
    public const string BadSignature = "invalid JWT signature";

    public const string Expired = "JWT expired";

    public const string NotYetValid = "JWT not yet valid";

    public static JwtVerification Fail(string error) => new(false, error, "{}", null, null, null);
}
