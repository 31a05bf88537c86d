using System.Net;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// Sends fuzz requests through the gateway and collects every answer that breaks the rules: a 5xx, a body
/// that shows internal text, or a connection the server broke off. All requests of a run are sent and the
/// findings reported together, each with the request that reproduces it.
/// </summary>
internal sealed class FuzzCheck(string baseUrl, string family, int seed)
{
    /// <summary>
    /// Text no answer may contain: SQL in an error's context, stack frames, source paths, .NET type names.
    /// The generators never produce these, so seeing one in a body is a leak, not an echo of the request.
    /// </summary>
    public static readonly string[] LeakMarkers =
    [
        "syntax error at or near", "SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "   at ", ".cs:line", "/work/", "MadBase.", "System.",
        "Npgsql", "Exception",
    ];

    private readonly List<string> findings = [];
    private readonly SortedDictionary<int, int> statuses = [];

    public int Sent { get; private set; }

    public async Task SendAsync(FuzzRequest request)
    {
        var index = Sent++;
        string? problem;
        try
        {
            using var message = ToMessage(request);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await TestHttp.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var body = await ReadSomeAsync(response);
            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            problem = Problem(request, (int)response.StatusCode, body);
        }
        catch (HttpRequestException e)
        {
            problem = $"connection failed: {e.Message}";
        }
        catch (TaskCanceledException)
        {
            problem = "no answer within 30 s";
        }

        if (problem is not null)
        {
            findings.Add($"[{family} seed {seed} #{index}] {Clip(request.ToString())}: {problem}\n  {Reproduction(request, index)}");
        }
    }

    /// <summary>How many answers had each status: shows whether the fuzz reached the handlers or stopped at a gate.</summary>
    public string Summary() => $"{family}: {Sent} requests, " + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"));

    /// <summary>Fails with every finding (the first 25 in full) once a family's requests have all been sent.</summary>
    public void AssertNoFindings()
    {
        Assert.True(
            findings.Count == 0,
            $"{findings.Count} of {Sent} {family} requests broke the rules:\n\n" + string.Join("\n\n", findings.Take(25)));
    }

    private static string? Problem(FuzzRequest request, int status, string body)
    {
        if (status >= 500)
        {
            return $"HTTP {status}: {Clip(body)}";
        }

        foreach (var marker in LeakMarkers)
        {
            if (body.Contains(marker, StringComparison.Ordinal))
            {
                return $"HTTP {status}, the body shows internal text \"{marker}\": {Clip(body)}";
            }
        }

        return null;
    }

    /// <summary>The curl command; one too long to read in a test report is written to a file, and that is named.</summary>
    private string Reproduction(FuzzRequest request, int index)
    {
        var curl = request.ToCurl(baseUrl);
        if (curl.Length <= 2000)
        {
            return curl;
        }

        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "madbase-fuzz")).FullName;
        var file = Path.Combine(folder, $"{family}-{seed}-{index}.sh");
        File.WriteAllText(file, curl + "\n");
        return $"bash {file}   # {curl[..300]}…";
    }

    private HttpRequestMessage ToMessage(FuzzRequest request)
    {
        // Uri would collapse "..", unescape parts of the path and re-encode the query: send them as generated.
        var uri = new Uri(baseUrl + request.PathAndQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        foreach (var (name, value) in request.Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response)
    {
        // Enough to see any error body whole; a large download is cut off rather than read.
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled))) > 0)
        {
            filled += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, filled);
    }

    private static string Clip(string body) => body.Length <= 400 ? body : body[..400] + "…";
}
