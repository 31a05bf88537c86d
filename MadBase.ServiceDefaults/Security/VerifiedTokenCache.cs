using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// Tokens whose signature already verified, as PostgREST's JWT cache keeps them: a client sends the same
/// token with every request until it refreshes, and checking an HMAC or RSA signature plus parsing the
/// claims costs more than the rest of a small request. A hit still names the key it verified with, so the
/// caller re-checks that this key is still the project's; the time claims are checked on every use.
/// </summary>
internal sealed class VerifiedTokenCache(int capacity)
{
    private readonly ConcurrentDictionary<string, VerifiedToken> entries = new(StringComparer.Ordinal);

    public bool TryGet(string token, out VerifiedToken verified) => entries.TryGetValue(token, out verified!);

    public void Add(string token, VerifiedToken verified)
    {
        if (entries.Count >= capacity)
        {
            // Crude but bounded: a full cache starts over rather than tracking recency per hit.
            entries.Clear();
        }

        entries[token] = verified;
    }
}

/// <summary>What a verified token proved: the key and algorithm that checked its signature, and its claims.</summary>
internal sealed record VerifiedToken(
    SecurityKey Key,
    string Algorithm,
    string? Kid,
    string ClaimsJson,
    string? Role,
    string? Subject,
    string? ProjectRef,
    long? Expires,
    long? NotBefore,
    long? IssuedAt);
