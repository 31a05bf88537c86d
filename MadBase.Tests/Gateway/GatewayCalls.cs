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

    /// <summary>
    /// <paramref name="count"/> requests of one project held upstream at once, each sent once the one before it
    /// arrived, so that the gateway picks each with the load of those before it in view; released together at
    /// the end. Returns the upstreams they reached, in order.
    /// </summary>
    public static Task<List<string>> HeldBurstAsync(this HttpClient client, string apiKey, int count, params UpstreamServer[] upstreams) =>
        client.HeldBurstAsync(Enumerable.Repeat(apiKey, count).ToList(), upstreams);

    /// <summary>As above, one request with each of <paramref name="apiKeys"/> (of one project each), in that order.</summary>
    public static async Task<List<string>> HeldBurstAsync(this HttpClient client, IReadOnlyList<string> apiKeys, params UpstreamServer[] upstreams)
    {
        var count = apiKeys.Count;
        var hold = new HeldRequests();
        foreach (var upstream in upstreams)
        {
            upstream.Hold = hold;
        }

        var calls = new List<Task<Echo>>();
        var reached = new List<string>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var call = client.EchoAsync("/rest/v1/hold", apiKeys[i]);
                calls.Add(call);
                var arrival = hold.NextArrivalAsync();
                if (await Task.WhenAny(call, arrival) == call)
                {
                    await call; // the gateway's refusal, if that is why
                    Assert.Fail($"request {i} of the burst was answered without being held");
                }

                reached.Add(await arrival);
            }
        }
        finally
        {
            hold.ReleaseAll();
        }

        await Task.WhenAll(calls);
        return reached;
    }

    /// <summary>The gateway's own error body, <c>{"error": "...", "code": N}</c>.</summary>
    public static async Task<(string Error, int Code)> ErrorAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("error").GetString()!, body.GetProperty("code").GetInt32());
    }
}
