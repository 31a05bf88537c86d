using System.Net.Http.Json;
using System.Text.Json;

namespace MadBase.Tests.Gateway;

internal static class GatewayCalls
{
    public static HttpRequestMessage Request(HttpMethod method, string path, string? apiKey)
    {
        var request = new HttpRequestMessage(method, path);
        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("apikey", apiKey);
        }

        return request;
    }

    /// <summary>Sends and returns what the upstream saw, failing with the gateway's answer when it is not 200.</summary>
    public static async Task<Echo> EchoAsync(this HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
            return JsonSerializer.Deserialize<Echo>(body, Echo.Json)!;
        }
    }

    /// <summary>What the upstream saw, from a response the test also inspects itself.</summary>
    public static async Task<Echo> ReadEchoAsync(this HttpResponseMessage response) =>
        JsonSerializer.Deserialize<Echo>(await response.Content.ReadAsStringAsync(), Echo.Json)!;

    public static Task<Echo> EchoAsync(this HttpClient client, string path, string apiKey) =>
        client.EchoAsync(Request(HttpMethod.Get, path, apiKey));

    /// <summary>The gateway's own error body, <c>{"error": "...", "code": N}</c>.</summary>
    public static async Task<(string Error, int Code)> ErrorAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("error").GetString()!, body.GetProperty("code").GetInt32());
    }
}
