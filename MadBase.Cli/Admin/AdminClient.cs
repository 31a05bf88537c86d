using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Cli.Commands;

namespace MadBase.Cli.Admin;

/// <summary>
/// The running stack's admin API, for <c>madbase functions</c> and <c>madbase secrets</c>: its URL and password
/// from <c>&lt;data-dir&gt;/stack.env</c> (or <c>MADBASE_ADMIN_URL</c> and <c>MADBASE_ADMIN_PASSWORD</c>, for a
/// deployment elsewhere), and the project from <c>--project</c> or the stack's default project (its anon key's ref).
/// </summary>
internal sealed class AdminClient(string adminUrl, string password, string projectRef) : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromMinutes(2) };

    public string ProjectRef { get; } = projectRef;

    public static AdminClient Create(string dataDirectory, string? projectRef)
    {
        var stack = StackEnvFile.Read(Path.GetFullPath(dataDirectory)) ?? new Dictionary<string, string>();
        var url = Environment.GetEnvironmentVariable("MADBASE_ADMIN_URL") ?? stack.GetValueOrDefault("ADMIN_URL");
        var password = Environment.GetEnvironmentVariable("MADBASE_ADMIN_PASSWORD") ?? stack.GetValueOrDefault("ADMIN_PASSWORD");
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(password))
        {
            throw new CliUsageException(
                $"no running stack in {dataDirectory} (start one with `madbase start`, or set MADBASE_ADMIN_URL and MADBASE_ADMIN_PASSWORD).");
        }

        projectRef ??= RefOf(stack.GetValueOrDefault("ANON_KEY"))
            ?? throw new CliUsageException("say which project with --project <ref>.");
        return new AdminClient(url.TrimEnd('/'), password, projectRef);
    }

    /// <summary>Sends to <c>/admin/v1/projects/{ref}{path}</c>; prints the error and returns null unless it succeeded.</summary>
    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, $"{adminUrl}/projects/{ProjectRef}{path}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", password);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            var message = body;
            try
            {
                message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString() ?? body;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // Not the admin API's error shape: print what came.
            }

            Console.Error.WriteLine($"madbase: {(int)response.StatusCode}: {message}");
            return null;
        }

        return body.Length == 0 ? default(JsonElement) : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public void Dispose() => http.Dispose();

    /// <summary>The <c>ref</c> claim of a project key (a JWT); only read, the admin API decides what it may do.</summary>
    private static string? RefOf(string? key)
    {
        var parts = key?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        try
        {
            var payload = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
            return payload.RootElement.TryGetProperty("ref", out var claim) ? claim.GetString() : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
