using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.Projects;

/// <summary>
/// Keeps a project's stored keys in step with its settings: one current key of the configured asymmetric
/// algorithm (generated when missing), and earlier keys retired but still verifying — and still in the
/// JWKS — until every token they signed has expired, then dropped.
/// </summary>
internal static class SigningKeyRotation
{
    /// <summary>
    /// Past a retired key's last token's expiry: the verifier's 30 s leeway, and the time a worker without
    /// Redis may go on signing with the key from its cached project (Projects__CacheSeconds, 30 s by default).
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    /// <param name="before">The settings the stored keys were used under (their token lifetime).</param>
    /// <param name="rotate">Retire the current key even when its algorithm is still the configured one.</param>
    public static IReadOnlyList<SigningKey> Reconcile(
        IReadOnlyList<SigningKey> stored, AuthSettings before, AuthSettings after, DateTimeOffset now, bool rotate = false)
    {
        var algorithm = after.JwtSigning.Algorithm;
        var lifetime = TimeSpan.FromSeconds(Math.Max(before.JwtExpirySeconds, after.JwtExpirySeconds));
        var keys = new List<SigningKey>();
        foreach (var key in stored)
        {
            if (key.RetiredAt is null && (rotate || key.Algorithm != algorithm))
            {
                keys.Add(key with { RetiredAt = now, VerifyUntil = now + lifetime + Grace });
            }
            else if (key.CanVerify(now))
            {
                keys.Add(key);
            }
        }

        if (SigningAlgorithms.IsAsymmetric(algorithm) && !keys.Exists(k => k.RetiredAt is null))
        {
            keys.Add(SigningKey.Generate(algorithm, now));
        }

        return keys;
    }
}
