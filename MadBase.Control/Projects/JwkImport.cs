using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.Projects;

/// <summary>
/// Turns a JWK (RFC 7517) as Supabase exports a project's signing keys (RSA for RS256, EC P-256 for ES256;
/// with <c>d</c> and the CRT parameters when private) into a stored <see cref="SigningKey"/>. A public-only key
/// keeps its SubjectPublicKeyInfo; a private one its PKCS#8. Everything is checked here, so a bad key is a 400
/// now rather than a failing verification later.
/// </summary>
internal static class JwkImport
{
    public static SigningKey Parse(JsonElement jwk, DateTimeOffset now)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            throw AdminException.BadRequest("jwk must be an object");
        }

        var kid = Text(jwk, "kid") ?? throw AdminException.BadRequest("jwk.kid is required: tokens name their key by it");
        if (kid.Length > 200)
        {
            throw AdminException.BadRequest("jwk.kid: at most 200 characters");
        }

        var kty = Text(jwk, "kty");
        var algorithm = Text(jwk, "alg") ?? (kty == "RSA" ? SigningAlgorithms.RS256 : kty == "EC" ? SigningAlgorithms.ES256 : null);
        try
        {
            return (kty, algorithm) switch
            {
                ("RSA", SigningAlgorithms.RS256) => Rsa(jwk, kid, now),
                ("EC", SigningAlgorithms.ES256) => EllipticCurve(jwk, kid, now),
                _ => throw AdminException.BadRequest("jwk must be an RSA key for RS256 or an EC P-256 key for ES256"),
            };
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw AdminException.BadRequest("jwk does not hold a valid key: check its base64url fields");
        }
    }

    private static SigningKey Rsa(JsonElement jwk, string kid, DateTimeOffset now)
    {
        var parameters = new RSAParameters { Modulus = Bytes(jwk, "n", required: true), Exponent = Bytes(jwk, "e", required: true) };
        if (Bytes(jwk, "d") is { } d)
        {
            parameters.D = d;
            parameters.P = Bytes(jwk, "p", required: true);
            parameters.Q = Bytes(jwk, "q", required: true);
            parameters.DP = Bytes(jwk, "dp", required: true);
            parameters.DQ = Bytes(jwk, "dq", required: true);
            parameters.InverseQ = Bytes(jwk, "qi", required: true);
        }

        using var rsa = RSA.Create(parameters);
        if (rsa.KeySize < 2048)
        {
            throw AdminException.BadRequest("jwk: an RSA key must have at least 2048 bits");
        }

        return parameters.D is null
            ? Key(kid, SigningAlgorithms.RS256, null, rsa.ExportSubjectPublicKeyInfo(), now)
            : Key(kid, SigningAlgorithms.RS256, rsa.ExportPkcs8PrivateKey(), null, now);
    }

    private static SigningKey EllipticCurve(JsonElement jwk, string kid, DateTimeOffset now)
    {
        if (Text(jwk, "crv") != "P-256")
        {
            throw AdminException.BadRequest("jwk.crv must be P-256 for ES256");
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Bytes(jwk, "x", required: true), Y = Bytes(jwk, "y", required: true) },
            D = Bytes(jwk, "d"),
        };
        parameters.Validate();
        using var ec = ECDsa.Create(parameters);
        return parameters.D is null
            ? Key(kid, SigningAlgorithms.ES256, null, ec.ExportSubjectPublicKeyInfo(), now)
            : Key(kid, SigningAlgorithms.ES256, ec.ExportPkcs8PrivateKey(), null, now);
    }

    /// <summary>Imported keys verify (they are in the JWKS) until removed; only a private one can be made the signing key.</summary>
    private static SigningKey Key(string kid, string algorithm, byte[]? pkcs8, byte[]? spki, DateTimeOffset now) => new()
    {
        Kid = kid,
        Algorithm = algorithm,
        PrivateKey = pkcs8 is null ? null : Convert.ToBase64String(pkcs8),
        PublicKey = spki is null ? null : Convert.ToBase64String(spki),
        Imported = true,
        CreatedAt = now,
        RetiredAt = now,
    };

    private static string? Text(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement jwk, string name, bool required = false) =>
        Text(jwk, name) is { Length: > 0 } text
            ? Base64Url.DecodeFromChars(text)
            : required ? throw AdminException.BadRequest($"jwk.{name} is required") : null;
}
