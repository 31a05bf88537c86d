using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace MadBase.Cli;

/// <summary>The default project as Control's admin API describes it: where its data lives and its API keys.</summary>
internal sealed record DefaultProject(
    [property: JsonPropertyName("ref")] string Ref,
    [property: JsonPropertyName("db_name")] string DbName,
    [property: JsonPropertyName("anon_key")] string AnonKey,
    [property: JsonPropertyName("service_role_key")] string ServiceRoleKey)
{
    /// <summary>GET /admin/v1/projects/default, retried briefly in case Control is still creating it.</summary>
    public static async Task<DefaultProject> FetchAsync(
        HttpClient http, Uri controlUrl, string adminPassword, CancellationToken cancellationToken)
    {
        var address = new Uri(controlUrl, "admin/v1/projects/default");
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        string problem;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminPassword);
            try
            {
                using HttpResponseMessage response = await http.SendAsync(request, cancellationToken);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    throw new LocalStackException(
                        $"Control refused the admin password from secrets.json ({(int)response.StatusCode} at {address}).");
                }

                if (response.IsSuccessStatusCode
                    && await response.Content.ReadFromJsonAsync<DefaultProject>(cancellationToken) is { AnonKey.Length: > 0 } project)
                {
                    return project;
                }

                problem = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new LocalStackException($"Could not read the default project's keys from {address}: {problem}");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>
    /// Gives the project this data directory's publishable or secret key (imported through the admin API, as an
    /// operator would); a key the project already has is fine, so every start may call it.
    /// </summary>
    public async Task EnsureApiKeyAsync(
        HttpClient http, Uri controlUrl, string adminPassword, string type, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controlUrl, $"admin/v1/projects/{Ref}/api-keys"))
        {
            Content = JsonContent.Create(new Dictionary<string, string> { ["type"] = type, ["name"] = "madbase start", ["api_key"] = key }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminPassword);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new LocalStackException(
                $"Could not give the default project its {type} key: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
