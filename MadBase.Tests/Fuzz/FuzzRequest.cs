using System.Globalization;
using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// One request the fuzzer sends, exactly as it goes on the wire: the path and query already percent-encoded
/// (and not normalised by <see cref="Uri"/>), headers as given, the body as bytes.
/// </summary>
internal sealed record FuzzRequest(string Method, string PathAndQuery, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body)
{
    /// <summary>The request as a curl command line, byte for byte, to reproduce a finding by hand.</summary>
    public string ToCurl(string baseUrl)
    {
        var command = new StringBuilder("curl -sS -i --path-as-is -X ").Append(Method);
        foreach (var (name, value) in Headers)
        {
            command.Append(" -H ").Append(Quote(name + ": " + value));
        }

        if (Body is not null)
        {
            command.Append(" --data-binary ").Append(Quote(Body));
        }

        return command.Append(' ').Append(Quote(baseUrl + PathAndQuery)).ToString();
    }

    public override string ToString() => $"{Method} {PathAndQuery}";

    private static string Quote(string text) => Quote(Encoding.UTF8.GetBytes(text));

    /// <summary>Bash's ANSI-C quoting: every byte that is not plain printable ASCII as \xHH.</summary>
    private static string Quote(byte[] bytes)
    {
        var quoted = new StringBuilder("$'");
        foreach (var b in bytes)
        {
            quoted.Append(b switch
            {
                (byte)'\'' => "\\'",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => "\\x" + b.ToString("x2", CultureInfo.InvariantCulture),
            });
        }

        return quoted.Append('\'').ToString();
    }
}
