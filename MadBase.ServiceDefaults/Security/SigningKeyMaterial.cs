using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// The crypto objects behind a stored <see cref="SigningKey"/>, built once per key and process: importing a
/// PKCS#8 key costs far more than a signature. The verifying key is made from the public parameters alone,
/// so verification can never reach the private half.
/// </summary>
internal sealed class SigningKeyMaterial
{
    // Keyed by the key material too, not the kid alone: a kid names a key only together with its bytes.
    private static readonly ConcurrentDictionary<(string Kid, string Material), SigningKeyMaterial> Cache = new();

    private SigningKeyMaterial(SecurityKey signing, SecurityKey verifying, IReadOnlyDictionary<string, object> publicJwk)
    {
        Signing = signing;
        Verifying = verifying;
        PublicJwk = publicJwk;
    }

    public SecurityKey Signing { get; }

    public SecurityKey Verifying { get; }

    public IReadOnlyDictionary<string, object> PublicJwk { get; }

    public static SigningKeyMaterial Of(SigningKey key) =>
        Cache.GetOrAdd((key.Kid, key.PrivateKey ?? key.PublicKey ?? string.Empty), static (_, k) => Create(k), key);

    /// <summary>
    /// A key held without its private half can only verify: its "signing" key is the public one, which any
    /// attempt to sign with fails on (and <see cref="Projects.Project.CurrentSigningKey"/> never picks such a key).
    /// </summary>
    private static SigningKeyMaterial Create(SigningKey key)
    {
        var isPrivate = key.PrivateKey is not null;
        var der = Convert.FromBase64String(key.PrivateKey ?? key.PublicKey
            ?? throw new CryptographicException($"signing key {key.Kid} has neither a private nor a public key"));
        var jwk = new Dictionary<string, object>
        {
            ["kid"] = key.Kid,
            ["alg"] = key.Algorithm,
            ["use"] = "sig",
            ["key_ops"] = new[] { "verify" },
        };
        switch (key.Algorithm)
        {
            case SigningAlgorithms.RS256:
                {
                    var rsa = RSA.Create();
                    if (isPrivate)
                    {
                        rsa.ImportPkcs8PrivateKey(der, out _);
                    }
                    else
                    {
                        rsa.ImportSubjectPublicKeyInfo(der, out _);
                    }

                    var parameters = rsa.ExportParameters(includePrivateParameters: false);
                    jwk["kty"] = "RSA";
                    jwk["n"] = Base64Url.EncodeToString(parameters.Modulus);
                    jwk["e"] = Base64Url.EncodeToString(parameters.Exponent);
                    return new(
                        new RsaSecurityKey(rsa) { KeyId = key.Kid },
                        new RsaSecurityKey(RSA.Create(parameters)) { KeyId = key.Kid },
                        jwk);
                }

            case SigningAlgorithms.ES256:
                {
                    var ec = ECDsa.Create();
                    if (isPrivate)
                    {
                        ec.ImportPkcs8PrivateKey(der, out _);
                    }
                    else
                    {
                        ec.ImportSubjectPublicKeyInfo(der, out _);
                    }

                    var parameters = ec.ExportParameters(includePrivateParameters: false);
                    if (ec.KeySize != 256)
                    {
                        throw new CryptographicException($"signing key {key.Kid} is not on P-256, so it cannot sign ES256");
                    }

                    jwk["kty"] = "EC";
                    jwk["crv"] = "P-256";
                    jwk["x"] = Base64Url.EncodeToString(parameters.Q.X);
                    jwk["y"] = Base64Url.EncodeToString(parameters.Q.Y);
                    return new(
                        new ECDsaSecurityKey(ec) { KeyId = key.Kid },
                        new ECDsaSecurityKey(ECDsa.Create(parameters)) { KeyId = key.Kid },
                        jwk);
                }

            default:
                throw new CryptographicException($"signing key {key.Kid} has the unsupported algorithm {key.Algorithm}");
        }
    }
}
