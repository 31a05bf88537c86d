using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// Bearer tokens of every shape: 0 to 6 dot-separated parts, bad base64, JWE-shaped, <c>alg: none</c>, signed
/// with a wrong key, expired, and well-signed ones (the project's own secret) carrying hostile claims, which
/// are the ones that reach the handlers.
/// </summary>
internal sealed class FuzzTokens(string secret, string projectRef)
{
    private static readonly string[] Roles = ["anon", "authenticated", "service_role", "postgres", "", "\\u0000", "\\ud800", "anon\\u0000x", "pg_read_server_files"];

    public string Next(Random random) => random.Next(12) switch
    {
        0 => string.Join(".", Enumerable.Range(0, random.Next(0, 7)).Select(_ => FuzzText.RandomFrom(random, "abcXYZ019-_+/=", random.Next(0, 12)))),
        1 => Base64Url("{\"alg\":\"dir\",\"enc\":\"A256GCM\"}") + "." + string.Join(".", Enumerable.Range(0, 4).Select(_ => FuzzText.RandomFrom(random, "abcXYZ019-_", random.Next(0, 30)))),
        2 => Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64Url(Claims(random)) + ".",
        3 => Sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", Claims(random), "not-the-project-secret-but-long-enough-to-sign"),
        4 => Sign("{\"alg\":\"HS256\"}", $"{{\"role\":\"authenticated\",\"sub\":\"{Guid.NewGuid()}\",\"exp\":1}}", secret),
        5 => Sign(FuzzText.Pick(random, Headers), Claims(random), secret),
        6 => "eyJ" + FuzzText.RandomFrom(random, "!@#$%^&*()~ ", random.Next(1, 20)) + ".e30.x",
        7 => string.Join(".", Enumerable.Range(0, 3).Select(_ => new string('A', random.Next(4000, 6000)))),
        _ => Sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", Claims(random), secret),
    };

    private static readonly string[] Headers =
    [
        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"alg\":\"RS256\",\"kid\":\"nope\"}", "{\"alg\":\"ES256\",\"kid\":\"\\u0000\"}", "{\"alg\":\"HS512\"}",
        "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", "{\"alg\":[\"HS256\"]}", "[]", "{}", "not json", "{\"alg\":\"HS256\",\"zip\":\"DEF\"}",
    ];

    /// <summary>A claims document: mostly well-formed with hostile values, sometimes not JSON at all.</summary>
    private string Claims(Random random)
    {
        if (random.Next(10) == 0)
        {
            return FuzzText.Pick(random, ["[]", "1", "\"x\"", "{", "{\"role\":\"anon\"", string.Empty]);
        }

        var claims = new List<string>();
        if (random.Next(5) != 0)
        {
            claims.Add("\"role\":" + (random.Next(6) == 0 ? FuzzJson.Value(random, 2) : "\"" + FuzzText.Pick(random, Roles) + "\""));
        }

        if (random.Next(2) == 0)
        {
            claims.Add("\"sub\":" + (random.Next(3) == 0 ? FuzzJson.Value(random, 2) : "\"" + Guid.NewGuid() + "\""));
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims.Add(random.Next(6) switch
        {
            0 => "\"exp\":\"tomorrow\"",
            1 => "\"exp\":1e400",
            2 => "\"exp\":" + (now - 3600).ToString(CultureInfo.InvariantCulture),
            3 => "\"nbf\":" + (now + 3600).ToString(CultureInfo.InvariantCulture),
            _ => "\"exp\":" + (now + 3600).ToString(CultureInfo.InvariantCulture),
        });
        claims.Add(random.Next(4) switch
        {
            0 => "\"ref\":\"someoneelse\"",
            1 => "\"ref\":" + FuzzJson.Value(random, 3),
            _ => $"\"ref\":\"{projectRef}\"",
        });
        if (random.Next(3) == 0)
        {
            claims.Add("\"session_id\":" + FuzzJson.Value(random, 3));
        }

        if (random.Next(4) == 0)
        {
            claims.Add("\"app_metadata\":" + FuzzJson.Value(random, 2));
        }

        return "{" + string.Join(",", claims) + "}";
    }

    private static string Sign(string header, string payload, string key)
    {
        var input = Base64Url(header) + "." + Base64Url(payload);
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(input));
        return input + "." + Base64Url(signature);
    }

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
