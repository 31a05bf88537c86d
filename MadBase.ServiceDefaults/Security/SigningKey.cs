using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// One asymmetric key pair of a project (GoTrue's <c>GOTRUE_JWT_KEYS</c>, per project), as Control keeps it in
/// <c>madbase.projects.signing_keys</c> beside the JWT secret. The private half never leaves the system
/// database and the services that sign; JWKS and the admin API show only the public half and metadata.
/// </summary>
public sealed record SigningKey
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Kid { get; init; }

    /// <summary><see cref="SigningAlgorithms.RS256"/> or <see cref="SigningAlgorithms.ES256"/>.</summary>
    public required string Algorithm { get; init; }

    /// <summary>PKCS#8, base64; null for a key imported to verify tokens another issuer signs (then <see cref="PublicKey"/> is set).</summary>
    public string? PrivateKey { get; init; }

    /// <summary>SubjectPublicKeyInfo, base64, of a key imported without its private half; null otherwise.</summary>
    public string? PublicKey { get; init; }

    /// <summary>Brought in from elsewhere (a Supabase project moving in) rather than generated here.</summary>
    public bool Imported { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stopped signing; null while it is the project's current key.</summary>
    public DateTimeOffset? RetiredAt { get; init; }

    /// <summary>Until when the tokens it signed are accepted: their longest lifetime, plus the verifier's leeway, after retirement.</summary>
    public DateTimeOffset? VerifyUntil { get; init; }

    public bool CanVerify(DateTimeOffset now) => VerifyUntil is not { } until || until > now;

    /// <summary>A fresh key pair: RSA 2048 for RS256 (GoTrue's and Supabase's size), NIST P-256 for ES256.</summary>
    public static SigningKey Generate(string algorithm, DateTimeOffset now)
    {
        byte[] pkcs8;
        switch (algorithm)
        {
            case SigningAlgorithms.RS256:
                using (var rsa = RSA.Create(2048))
                {
                    pkcs8 = rsa.ExportPkcs8PrivateKey();
                }

                break;
            case SigningAlgorithms.ES256:
                using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    pkcs8 = ec.ExportPkcs8PrivateKey();
                }

                break;
            default:
                throw new ArgumentException($"{algorithm} is not an asymmetric signing algorithm", nameof(algorithm));
        }

        return new SigningKey
        {
            Kid = Guid.NewGuid().ToString(),
            Algorithm = algorithm,
            PrivateKey = Convert.ToBase64String(pkcs8),
            CreatedAt = now,
        };
    }

    /// <summary>The public key as a JWK (RFC 7517), as GoTrue serves it: <c>use: sig</c>, <c>key_ops: [verify]</c>.</summary>
    public IReadOnlyDictionary<string, object> PublicJwk() => SigningKeyMaterial.Of(this).PublicJwk;

    public static IReadOnlyList<SigningKey> ParseList(string? json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<SigningKey>>(json, Json) ?? [];

    public static string ToJson(IEnumerable<SigningKey> keys) => JsonSerializer.Serialize(keys, Json);
}

/// <summary>The JWT algorithms a project can sign its access tokens with.</summary>
public static class SigningAlgorithms
{
    public const string HS256 = "HS256";
    public const string RS256 = "RS256";
    public const string ES256 = "ES256";

    public static IReadOnlyList<string> All { get; } = [HS256, RS256, ES256];

    public static bool IsAsymmetric(string algorithm) => algorithm is RS256 or ES256;
}
