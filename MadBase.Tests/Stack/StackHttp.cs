using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>Small helpers for talking to a running stack the way clients do.</summary>
internal static class StackHttp
{
    public static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static HttpRequestMessage WithKey(HttpMethod method, string url, string apiKey)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("apikey", apiKey);
        return request;
    }

    /// <summary>Creates a project through the gateway's admin route; returns (ref, anon key).</summary>
    public static async Task<(string Ref, string AnonKey)> CreateProjectAsync(StackFixture stack, string name, object? settings = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.AdminUrl + "/projects")
        {
            Content = JsonContent.Create(new { name, settings }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("ref").GetString()!, json.RootElement.GetProperty("anon_key").GetString()!);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
