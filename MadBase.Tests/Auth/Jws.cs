using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MadBase.Tests.Auth;

/// <summary>
/// A JWS as the tests take it apart, verify and forge it: plain System.Security.Cryptography from a JWK,
/// independent of the product's signing code, so a test can tell when the product signs wrongly.
/// </summary>
internal static class Jws
{
    public static JsonElement Header(string jwt) => JsonDocument.Parse(Decode(jwt.Split('.')[0])).RootElement.Clone();

    /// <summary>RFC 7515 verification of an RS256 or ES256 token with a public JWK (RFC 7517/7518 members).</summary>
    public static bool VerifyWithJwk(string jwt, JsonElement jwk)
    {
        var parts = jwt.Split('.');
        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var signature = Decode(parts[2]);
        switch (jwk.GetProperty("kty").GetString())
        {
            case "RSA":
                using (var rsa = RSA.Create(new RSAParameters { Modulus = Member(jwk, "n"), Exponent = Member(jwk, "e") }))
                {
                    return rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                }

            case "EC":
                Assert.Equal("P-256", jwk.GetProperty("crv").GetString());
                using (var ec = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = Member(jwk, "x"), Y = Member(jwk, "y") },
                }))
                {
                    // JWS ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4).
                    return signature.Length == 64
                        && ec.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }

            default:
                throw new InvalidOperationException("unexpected kty " + jwk.GetProperty("kty"));
        }
    }

    /// <summary>The public key of a JWK in PEM (SubjectPublicKeyInfo): what an attacker would try as an HMAC secret.</summary>
    public static string PublicKeyPem(JsonElement jwk)
    {
        if (jwk.GetProperty("kty").GetString() == "RSA")
        {
            using var rsa = RSA.Create(new RSAParameters { Modulus = Member(jwk, "n"), Exponent = Member(jwk, "e") });
            return rsa.ExportSubjectPublicKeyInfoPem();
        }

        using var ec = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Member(jwk, "x"), Y = Member(jwk, "y") },
        });
        return ec.ExportSubjectPublicKeyInfoPem();
    }

    /// <summary>A token with the given header and payload, HMAC-SHA256-signed with <paramref name="secret"/>.</summary>
    public static string Hs256(string headerJson, string payloadJson, byte[] secret)
    {
        var signingInput = Encode(Encoding.UTF8.GetBytes(headerJson)) + "." + Encode(Encoding.UTF8.GetBytes(payloadJson));
        return signingInput + "." + Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The same signature over a different header or payload.</summary>
    public static string Replace(string jwt, string? headerJson = null, string? payloadJson = null)
    {
        var parts = jwt.Split('.');
        return (headerJson is null ? parts[0] : Encode(Encoding.UTF8.GetBytes(headerJson))) + "."
            + (payloadJson is null ? parts[1] : Encode(Encoding.UTF8.GetBytes(payloadJson))) + "." + parts[2];
    }

    public static string Payload(string jwt) => Encoding.UTF8.GetString(Decode(jwt.Split('.')[1]));

    public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Decode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Convert.FromBase64String(padded);
    }

    private static byte[] Member(JsonElement jwk, string name) => Decode(jwk.GetProperty(name).GetString()!);
}
