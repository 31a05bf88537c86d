using System.Buffers.Text;
using System.Text.Json;

namespace MadBase.Gateway.ApiKeys;

/// <summary>
/// Reads the <c>ref</c> claim of a JWT apikey WITHOUT checking its signature. That is safe only because
/// the key is then compared, byte for byte, with the keys stored for that project: the claim only says
/// where to look.
/// </summary>
internal static class ApiKeyClaims
{
    private const int MaxPayloadChars = 4096;

    public static string? ReadProjectRef(string apiKey)
    {
        var first = apiKey.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : apiKey.IndexOf('.', first + 1);
        if (first <= 0 || second < 0 || apiKey.IndexOf('.', second + 1) >= 0)
        {
            return null;
        }

        var payload = apiKey.AsSpan(first + 1, second - first - 1);
        if (payload.Length is 0 or > MaxPayloadChars)
        {
            return null;
        }

        try
        {
            using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(payload));
            return claims.RootElement.ValueKind == JsonValueKind.Object
                && claims.RootElement.TryGetProperty("ref", out var projectRef)
                && projectRef.ValueKind == JsonValueKind.String
                    ? projectRef.GetString()
                    : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
