using System.Security.Cryptography;
using System.Text;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// AWS Signature Version 4 as S3 checks it (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html):
/// the canonical request rebuilt from what arrived, the string to sign over its hash, and the HMAC chain of the
/// secret over date, region, service. Path and query are re-encoded from their decoded form with S3's rule
/// (every byte but A-Z a-z 0-9 - _ . ~ as %XX, the path's slashes kept), which is how the SDKs encode them.
/// </summary>
internal static class SignatureV4
{
    public static string CanonicalRequest(HttpRequest request, SigV4Request signed)
    {
        var builder = new StringBuilder();
        builder.Append(request.Method).Append('\n');
        builder.Append(Encode(request.PathBase + request.Path, keepSlash: true)).Append('\n');
        builder.Append(CanonicalQuery(request.QueryString.Value, signed.Presigned)).Append('\n');
        foreach (var name in signed.SignedHeaders)
        {
            builder.Append(name).Append(':').Append(HeaderValue(request, name)).Append('\n');
        }

        builder.Append('\n').Append(string.Join(';', signed.SignedHeaders)).Append('\n');
        builder.Append(signed.PayloadHash);
        return builder.ToString();
    }

    public static string StringToSign(SigV4Request signed, string canonicalRequest) =>
        $"{SigV4Request.Algorithm}\n{signed.AmzDate}\n{signed.Scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    public static byte[] SigningKey(string secret, SigV4Request signed)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(signed.Date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed.Region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed.Service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Sign(byte[] signingKey, string stringToSign) =>
        Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Constant-time comparison of two hex signatures.</summary>
    public static bool Matches(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given.ToLowerInvariant()));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string CanonicalQuery(string? query, bool presigned)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }

        var pairs = new List<(string Key, string Value)>();
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(part[(equals + 1)..]);
            if (presigned && key == "X-Amz-Signature")
            {
                continue;
            }

            pairs.Add((Encode(key, keepSlash: false), Encode(value, keepSlash: false)));
        }

        return string.Join('&', pairs
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
    }

    /// <summary>
    /// The signed value of a header: values joined by commas, trimmed, inner runs of spaces collapsed. The Host the
    /// client signed is the one it sent the Gateway, which forwards it as X-Forwarded-Host.
    /// </summary>
    private static string HeaderValue(HttpRequest request, string name)
    {
        var values = name == "host" && request.Headers["X-Forwarded-Host"].ToString() is { Length: > 0 } forwarded
            ? forwarded
            : string.Join(',', request.Headers[name].Select(v => v ?? string.Empty));
        var builder = new StringBuilder(values.Length);
        var space = false;
        foreach (var c in values.Trim())
        {
            if (c == ' ')
            {
                if (!space)
                {
                    builder.Append(c);
                }

                space = true;
                continue;
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string Encode(string text, bool keepSlash)
    {
        var builder = new StringBuilder(text.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
