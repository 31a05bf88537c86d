using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// JSON bodies: most are objects with the route's own field names holding values of every wrong kind (so the
/// request gets past the parser to the handler), the rest are broken or hostile documents.
/// </summary>
internal static class FuzzJson
{
    public static byte[] Body(Random random, IReadOnlyList<string> fields) => random.Next(10) switch
    {
        0 => Broken(random),
        1 => Encoding.UTF8.GetBytes(Value(random, 0)),
        _ => Encoding.UTF8.GetBytes(Object(random, fields, 0)),
    };

    public static string Object(Random random, IReadOnlyList<string> fields, int depth)
    {
        var members = new List<string>();
        foreach (var field in fields)
        {
            if (random.Next(2) == 0)
            {
                // Half the fields hold a value of the right kind, so requests get past the first check to the next.
                members.Add($"\"{field}\":{(random.Next(2) == 0 && Plausible(random, field) is { } plausible ? plausible : Value(random, depth + 1))}");
            }
        }

        if (random.Next(4) == 0)
        {
            members.Add($"{FuzzText.JsonString(random)}:{Value(random, depth + 1)}");
        }

        return "{" + string.Join(",", members.OrderBy(_ => random.Next())) + "}";
    }

    /// <summary>A value of the kind the field expects, often with a hostile twist; null for fields it does not know.</summary>
    public static string? Plausible(Random random, string field) => field switch
    {
        "email" or "new_email" => Text(random, $"fz{random.Next(100000)}@example.com"),
        "password" => Text(random, "secret-123"),
        "phone" => Text(random, "+1555555" + random.Next(1000, 9999)),
        "type" => Text(random, FuzzText.Pick(random, ["signup", "invite", "magiclink", "recovery", "email_change", "email", "sms", "phone_change", "create", "request", "public-key"])),
        "channel" => Text(random, FuzzText.Pick(random, ["sms", "whatsapp", "pigeon"])),
        "chain" => Text(random, FuzzText.Pick(random, ["ethereum", "solana", "bitcoin"])),
        "signature" => Text(random, FuzzText.Pick(random, ["0x" + new string('1', 130), "0x" + new string('f', 128) + "1b", new string('A', 86), new string('/', 88)])),
        "message" => Text(random, FuzzText.Pick(random, ["ethereum", "solana"]) is var chain && chain == "ethereum"
            ? "app.test wants you to sign in with your Ethereum account:\n0x" + new string('a', 40) + "\n\nURI: https://app.test\nVersion: 1\nChain ID: 1\nNonce: abcdefgh1\nIssued At: 2026-01-01T00:00:00Z"
            : "localhost wants you to sign in with your Solana account:\n" + new string('1', 44) + "\n\nURI: http://localhost\nVersion: 1\nIssued At: 2026-13-01T00:00:00Z"),
        "redirect_to" => Text(random, FuzzText.Pick(random, ["http://app.test/x", "javascript:alert(1)", "//evil.test", "http://[::1", "http://a b"])),
        "code_challenge_method" => Text(random, FuzzText.Pick(random, ["s256", "S256", "plain"])),
        "code_challenge" or "code_verifier" or "token" or "token_hash" or "refresh_token" or "auth_code" or "nonce" =>
            Text(random, FuzzText.RandomFrom(random, "abcdef0123456789", random.Next(6, 64))),
        "create_user" or "email_confirm" or "phone_confirm" or "public" or "with_delimiter" => FuzzText.Pick(random, ["true", "false"]),
        "ban_duration" => Text(random, FuzzText.Pick(random, ["1h", "none", "-1h", "99999999999h", "1.5h", "0s"])),
        "role" => Text(random, FuzzText.Pick(random, ["authenticated", "service_role", "postgres", "anon"])),
        "data" or "user_metadata" or "app_metadata" or "meta" or "metadata" => Object(random, ["a", "b", "provider", "name"], 2),
        "id" or "pages" or "qty" or "a" or "b" or "author" or "author_id" or "limit" or "offset" or "expiresIn" or "file_size_limit" or "priority" or "rating" =>
            FuzzText.Pick(random, ["1", "2", "0", "-1", "1000000", "2147483648", "1e3", "\"5\"", "\"1MB\"", "9999999999999999999"]),
        "tags" or "allowed_mime_types" or "paths" or "prefixes" =>
            "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Text(random, FuzzText.Pick(random, ["a.txt", "dir/b.txt", "text/plain", "image/*", "x"])))) + "]",
        "bucketId" or "destinationBucket" => Text(random, FuzzText.Pick(random, ["fz", "fzp", "nobucket"])),
        "published" => Text(random, FuzzText.Pick(random, ["1970-01-01", "2026-02-30", "infinity", "-infinity", "epoch", "99999-01-01"])),
        "owner" => Text(random, FuzzText.Pick(random, [Guid.NewGuid().ToString(), "not-a-uuid"])),
        "sourceKey" or "destinationKey" or "prefix" or "name" or "title" or "label" or "code" or "note" or "msg" or "body" or "search" or "cursor" or "queue" or "state" or "country" =>
            Text(random, FuzzText.Pick(random, ["a.txt", "dir/", "dir/b.txt", "x", "../a", "fz-copy.txt"])),
        "challenge_id" => Text(random, FuzzText.Pick(random, [Guid.NewGuid().ToString(), "not-a-uuid", ""])),
        "credential" or "credential_response" => Object(random, ["id", "rawId", "type", "response", "clientExtensionResults", "authenticatorAttachment"], 2),
        "webauthn" => Object(random, ["type", "credential_response", "rpId", "rpOrigins"], 2),
        "response" => Object(random, ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle", "transports"], 3),
        "rawId" or "clientDataJSON" or "attestationObject" or "authenticatorData" or "signature" or "userHandle" =>
            Text(random, FuzzText.RandomFrom(random, "ABCDEFabcdef0123456789-_=", random.Next(0, 80))),
        "sortBy" => "{\"column\":" + Text(random, FuzzText.Pick(random, ["name", "created_at", "id"])) + ",\"order\":" + Text(random, FuzzText.Pick(random, ["asc", "desc"])) + "}",
        _ => null,
    };

    public static string Value(Random random, int depth) => random.Next(depth > 3 ? 6 : 10) switch
    {
        0 or 1 or 2 => FuzzText.JsonString(random),
        3 => FuzzText.Pick(random, ["0", "-1", "1.5", "1e400", "-1e400", "123456789012345678901234567890", "-0", "2147483648", "9223372036854775808", "1E2"]),
        4 => FuzzText.Pick(random, ["true", "false", "null"]),
        5 => "\"" + new string('x', random.Next(5000, 20000)) + "\"",
        6 or 7 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Value(random, depth + 1))) + "]",
        _ => Object(random, ["a", "b", "role", "sub", "id"], depth + 1),
    };

    /// <summary>The plausible text as it is, or with NUL, a lone surrogate, or junk spliced into it.</summary>
    private static string Text(Random random, string plausible) => random.Next(8) switch
    {
        0 => System.Text.Json.JsonSerializer.Serialize(plausible)[..^1] + FuzzText.Pick(random, ["\\u0000", "\\ud800", "\\u00e9", " ", "\\n"]) + "\"",
        1 => System.Text.Json.JsonSerializer.Serialize(plausible + FuzzText.Junk(random)),
        _ => System.Text.Json.JsonSerializer.Serialize(plausible),
    };

    /// <summary>Documents no JSON parser should accept, and some it must refuse gracefully.</summary>
    public static byte[] Broken(Random random) => random.Next(9) switch
    {
        0 => [],
        1 => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
        2 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000)),
        3 => [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'],
        4 => [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}'],
        5 => [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
        6 => Encoding.Unicode.GetBytes("{\"email\":\"a@b.c\"}"),
        7 => Encoding.UTF8.GetBytes(FuzzText.Pick(random, ["{", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "[1,2", "NaN", "\"unterminated", "{\"a\":1}{\"b\":2}", "nul", "{\"a\":01}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\t\"}"])),
        _ => Encoding.UTF8.GetBytes(FuzzText.Junk(random)),
    };
}
