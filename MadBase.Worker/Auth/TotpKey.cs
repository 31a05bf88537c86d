using System.Text;
using OtpNet;
using QRCoder;

namespace MadBase.Worker.Auth;

/// <summary>
/// A TOTP factor's key as GoTrue makes it (pquerna/otp's totp.Generate defaults: 20 random bytes, base32
/// without padding, SHA1, 6 digits, 30-second period) with its <c>otpauth://</c> URI and that URI as an SVG
/// QR code (error correction H, 3 pixels a module, as goqrsvg). Codes verify one step either side of now.
/// </summary>
internal static class TotpKey
{
    private const int Period = 30;
    private const int Digits = 6;

    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)).TrimEnd('=');

    /// <summary>As pquerna/otp's key URL: the label path-escaped as Go's url.URL, the query sorted and %20-encoded.</summary>
    public static string Uri(string issuer, string accountName, string secret) =>
        "otpauth://totp/" + EscapePath(issuer + ":" + accountName)
        + "?algorithm=SHA1&digits=" + Digits
        + "&issuer=" + System.Uri.EscapeDataString(issuer)
        + "&period=" + Period
        + "&secret=" + secret;

    /// <summary>The SVG markup; auth-js turns it into a data URI (<c>data:image/svg+xml;utf-8,…</c>).</summary>
    public static string QrCodeSvg(string uri)
    {
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.H);
        return new SvgQRCode(data).GetGraphic(3);
    }

    /// <summary>The 30-second step the code belongs to, or null when it is not the code of the step before, of, or after <paramref name="now"/>.</summary>
    public static long? MatchingStep(string secret, string code, DateTimeOffset now)
    {
        if (code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        byte[] key;
        try
        {
            key = Base32Encoding.ToBytes(secret);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var totp = new Totp(key, Period, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }

    // Go's url.URL path escaping: letters, digits, -_.~ and $&+,/:;=@ stay as they are.
    private static string EscapePath(string path)
    {
        var escaped = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(path))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "-_.~$&+,/:;=@".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return escaped.ToString();
    }
}
