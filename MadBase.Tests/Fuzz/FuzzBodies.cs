using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>Multipart bodies (cut short, boundary only, odd parts) and request headers (hostile, huge, non-ASCII).</summary>
internal static class FuzzBodies
{
    /// <summary>A multipart/form-data body and its content type, usually close to what storage-js sends.</summary>
    public static (byte[] Body, string ContentType) Multipart(Random random)
    {
        var boundary = random.Next(8) switch
        {
            0 => "",
            1 => "\"quoted\"",
            2 => new string('b', 200),
            3 => "a b",
            _ => "X" + random.Next(1000),
        };
        var contentType = random.Next(10) == 0 ? "multipart/form-data" : "multipart/form-data; boundary=" + boundary;
        var name = boundary.Trim('"');
        var text = random.Next(10) switch
        {
            0 => $"--{name}--\r\n",
            1 => string.Empty,
            2 => $"--{name}\r\n\r\n",
            3 => $"--{name}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nhello",
            4 => $"--{name}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{FuzzText.JsonString(random)}\r\n--{name}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--{name}--\r\n",
            5 => $"--{name}\r\n{new string('H', 70000)}: v\r\n\r\nx\r\n--{name}--\r\n",
            6 => $"--{name}\r\nContent-Disposition: {FuzzText.Junk(random)}\r\nContent-Type: {FuzzText.Junk(random)}\r\n\r\nbody\r\n--{name}--\r\n",
            7 => $"preamble\r\n--{name}\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n{FuzzText.Junk(random)}\r\n--{name}\r\nContent-Disposition: form-data; filename*=UTF-8''%E2%80%AE.txt\r\n\r\nx\r\n--{name}--\r\n",
            8 => $"--{name}\r\nno colon here\r\n\r\nx\r\n--{name}--\r\n",
            _ => $"--{name}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n{FuzzText.Junk(random)}\r\n--{name}--\r\n",
        };
        return (Encoding.UTF8.GetBytes(text), contentType);
    }

    private static readonly string[] HeaderNames =
    [
        "Prefer", "Accept", "Range", "Content-Type", "x-upsert", "x-metadata", "Cache-Control", "Accept-Profile", "Content-Profile",
        "X-Supabase-Api-Version", "If-None-Match", "If-Modified-Since", "Origin", "X-Forwarded-For", "X-Client-Info", "X-Request-Id",
        "Accept-Encoding", "Content-Encoding", "Cookie", "X-Real-IP", "Host-Override", "x-madbase-project", "X-Forwarded-Host",
    ];

    private static readonly string[] HeaderValues =
    [
        "return=representation,count=exact", "handling=strict, missing=default", "tx=rollback", "resolution=merge-duplicates", "count=planned",
        "max-affected=-1", "application/vnd.pgrst.object+json", "application/vnd.pgrst.plan+json; for=\"x\"", "text/csv", "*/*;q=x",
        "bytes=5-1", "bytes=-0", "bytes=0-99999999999999999999", "bytes=a-b, 1-2", "items=0-1", "application/geo+json", "2024-01-01",
        "true", "1", "gzip", "br, deflate", "public", "pg_catalog", "information_schema", "auth", "storage", "default",
    ];

    /// <summary>One to three headers; some non-ASCII (see FuzzCheck on the gateway's 502) and some oversized.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Headers(Random random)
    {
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var name = FuzzText.Pick(random, HeaderNames);
            var value = random.Next(8) switch
            {
                0 => "\u00e9t\u00e9 \u2603 \ud83d\ude00",
                1 => new string('v', random.Next(9000, 20000)),
                2 => HeaderSafe(FuzzText.Junk(random)),
                _ => FuzzText.Pick(random, HeaderValues),
            };
            yield return new(name, value);
        }
    }

    /// <summary>What an HTTP client can put in a header value at all: no CR, LF or NUL.</summary>
    public static string HeaderSafe(string value) =>
        new([.. value.Where(c => c is not ('\r' or '\n' or '\0') && !char.IsSurrogate(c))]);
}
