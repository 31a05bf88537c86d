using System.Security.Cryptography;
using System.Text;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// The secrets of an auth hook as GoTrue takes them (<c>v1,whsec_&lt;base64&gt;</c>, several separated by <c>|</c>)
/// and the Standard Webhooks signature made with each: <c>v1,</c> + base64(HMAC-SHA256(key, "id.timestamp.body"))
/// in the <c>webhook-signature</c> header, space-separated when there are several.
/// </summary>
public static class HookSecrets
{
    private const string Prefix = "v1,whsec_";

    public static bool AreValid(string? secrets) => secrets is { Length: > 0 } && Keys(secrets) is { Count: > 0 };

    /// <summary>The HMAC keys, or an empty list when any secret is malformed.</summary>
    public static IReadOnlyList<byte[]> Keys(string secrets)
    {
        var keys = new List<byte[]>();
        foreach (var secret in secrets.Split('|', StringSplitOptions.TrimEntries))
        {
            var key = new byte[secret.Length];
            if (!secret.StartsWith(Prefix, StringComparison.Ordinal)
                || !Convert.TryFromBase64String(secret[Prefix.Length..], key, out var length) || length == 0)
            {
                return [];
            }

            keys.Add(key[..length]);
        }

        return keys;
    }

    /// <summary>The <c>webhook-signature</c> header's value for one message.</summary>
    public static string Sign(IReadOnlyList<byte[]> keys, string messageId, long timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.").Concat(body).ToArray();
        return string.Join(' ', keys.Select(key => "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed))));
    }
}
