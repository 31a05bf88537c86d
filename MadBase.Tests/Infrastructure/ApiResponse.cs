using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// A response as the tests read it, read in full (the message is disposed): status, body, headers, and the
/// body as JSON, as a <see cref="JsonNode"/> to compare documents or as a <see cref="JsonElement"/> to read fields.
/// </summary>
internal sealed record ApiResponse(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string[]> HeaderValues)
{
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public JsonElement Element => Body.Length == 0 ? default : JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>Each header (response and content headers) by case-insensitive name, its values joined with commas.</summary>
    public IReadOnlyDictionary<string, string> Headers =>
        HeaderValues.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);

    /// <summary>The first value of a header, or null.</summary>
    public string? Header(string name) => HeaderValues.TryGetValue(name, out var values) ? values[0] : null;

    /// <summary>The <c>code</c> of a JSON error body (PostgREST's and GoTrue's shapes have one).</summary>
    public string? ErrorCode => Json?["code"]?.GetValue<string>();

    public void AssertStatus(int status) => Assert.True((int)Status == status, $"expected {status}, got {(int)Status}: {Body}");

    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = [.. values];
        }

        return new ApiResponse(response.StatusCode, await response.Content.ReadAsStringAsync(), headers);
    }
}
