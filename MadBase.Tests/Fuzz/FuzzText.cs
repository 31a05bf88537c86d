using System.Globalization;
using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// Seeded generators of hostile text: the building blocks of every fuzz request. Nothing here ever
/// contains one of <see cref="FuzzCheck.LeakMarkers"/>, so a marker in an answer is the server's own text.
/// </summary>
internal static class FuzzText
{
    private const string Printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private static readonly string[] Specials =
    [
        "", " ", "null", "true", "-1", "0", "-0", "1e999", "99999999999999999999999999", "-9223372036854775809", "NaN", "Infinity",
        "' OR 1=1 --", "\"; drop table books; --", "$1", "%s%n%x{0}", "\\", "\\\\'", "..", "../..", "%2e%2e", "//", "a/../b",
        "{", "[[[", "}]", "(", ")", "*", "eq.", "not.", "()", "\u00e9", "e\u0301", "\u202e\u202d", "\ufeff", "\u2028", "\uffff", "\ud83d\ude00",
        "\u00a0", "\u0085", "\t", "\u001b[31m", "<script>alert(1)</script>", "${jndi:ldap://x}", "{{7*7}}", "@", "user@example.com",
        "+15555550100", "00000000-0000-0000-0000-000000000000", "not-a-uuid", "2026-13-45", "P1Y", "1h", "ON", "On",
    ];

    /// <summary>Text a .NET string can hold, NUL included but no lone surrogates (see <see cref="JsonString"/>).</summary>
    public static string Junk(Random random) => random.Next(20) switch
    {
        0 or 1 or 2 or 3 => Pick(random, Specials),
        4 or 5 or 6 or 7 => RandomFrom(random, Printable, random.Next(0, 24)),
        8 or 9 => new string((char)random.Next(0x20, 0xd7ff), random.Next(1, 6)) + RandomFrom(random, Printable, 3),
        10 => "a\0" + RandomFrom(random, Printable, random.Next(0, 6)),
        11 or 12 => new string('a', random.Next(200, 3000)),
        13 => ControlCharacters(random),
        14 or 15 => random.NextInt64().ToString(CultureInfo.InvariantCulture) + Pick(random, ["", ".5", "e308", "e-400", "x"]),
        _ => Pick(random, Specials) + RandomFrom(random, Printable, random.Next(1, 8)) + Pick(random, Specials),
    };

    /// <summary>Percent-encoded bytes for a path segment or query value, including invalid UTF-8 and NUL.</summary>
    public static string UrlJunk(Random random) => random.Next(6) switch
    {
        0 => Pick(random, ["%00", "%FF%FE", "%ED%A0%80", "%C0%AF", "%C0%AE%C0%AE", "%E2%80%AE", "%F0%9F%98%80", "%zz", "%", "%2", "%25", "%2F", "%5C", "%0A", "%0D%0A", "+", "%20", "%7F"]),
        1 => string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => "%" + random.Next(256).ToString("X2", CultureInfo.InvariantCulture))),
        _ => Uri.EscapeDataString(Junk(random)),
    };

    /// <summary>A JSON string literal, quotes included: junk plus escapes .NET and Postgres cannot both take.</summary>
    public static string JsonString(Random random) => random.Next(16) switch
    {
        0 => Pick(random, ["\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud800\\ud800\"", "\"\\u0000\"", "\"x\\u0000y\"", "\"\\uDFFF\\uD800\"", "\"\\ud83d\\ude00\""]),
        _ => System.Text.Json.JsonSerializer.Serialize(Junk(random)),
    };

    /// <summary>An object name for storage: traversal, encodings, huge, unicode, control characters; percent-encoded for a path.</summary>
    public static string ObjectPath(Random random) => random.Next(14) switch
    {
        0 => "..",
        1 => "%2e%2e/x",
        2 => "a/%2E%2E/%2E%2E/etc/passwd",
        3 => "a/../../b",
        4 => new string('n', random.Next(250, 300)),
        5 => string.Join("/", Enumerable.Repeat("d", random.Next(300, 600))),
        6 => Uri.EscapeDataString(new string('\u00e9', random.Next(120, 140))), // 2 bytes each: past 255 bytes before 255 characters
        7 => "%00x",
        8 => "x%01y%7Fz",
        9 => "%F0%9F%98%80/%E2%80%AE.txt",
        10 => "a//b",
        11 => "trailing/",
        12 => UrlJunk(random) + "/" + UrlJunk(random),
        _ => "fz-" + random.Next(100) + ".txt",
    };

    public static string Query(Random random, IReadOnlyList<string> names)
    {
        var parts = new List<string>();
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            var name = random.Next(4) == 0 ? UrlJunk(random) : Pick(random, names);
            parts.Add(random.Next(10) switch
            {
                0 => name,
                1 => name + "=" + new string('9', random.Next(3000, 9000)),
                2 => "=" + UrlJunk(random),
                3 => Pick(random, ["&&", "=&=", ";", "a=b=c", "%26%3D"]),
                _ => name + "=" + UrlJunk(random),
            });
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join("&", parts);
    }

    /// <summary>Adds a generated <c>?…</c> query to a path that may already have one.</summary>
    public static string WithQuery(string path, string query) =>
        query.Length == 0 ? path : path + (path.Contains('?', StringComparison.Ordinal) ? "&" + query[1..] : query);

    public static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static string RandomFrom(Random random, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    private static string ControlCharacters(Random random) =>
        new([.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => (char)random.Next(1, 0x20))]);
}
