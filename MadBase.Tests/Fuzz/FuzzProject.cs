using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Rest;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// The one project every fuzz family runs against, created once per stack: the Rest library schema (the
/// same authors and books the parser fuzz plans against), two buckets with objects, a signed-in user, and
/// auth rate limits out of the way so the handlers, not the limiter, answer the fuzz.
/// </summary>
internal sealed class FuzzProject
{
    private static readonly Dictionary<string, Lazy<Task<FuzzProject>>> Shared = [];

    private FuzzProject(RestProject rest, string userToken, string signedUrl)
    {
        Rest = rest;
        UserToken = userToken;
        SignedUrl = signedUrl;
        Tokens = new FuzzTokens(rest.JwtSecret, rest.Ref);
    }

    public RestProject Rest { get; }

    public string ApiUrl => Rest.Stack.ApiUrl;

    public string AnonKey => Rest.AnonKey;

    public string ServiceKey => Rest.ServiceKey;

    public string Ref => Rest.Ref;

    public string AdminPassword => Rest.Stack.AdminPassword;

    /// <summary>An access token of a real user of this project, from /auth/v1/signup.</summary>
    public string UserToken { get; }

    /// <summary>A valid signed download URL's path and query, <c>/storage/v1/object/sign/fz/…?token=…</c>.</summary>
    public string SignedUrl { get; }

    public FuzzTokens Tokens { get; }

    public static Task<FuzzProject> SharedAsync(StackFixture stack)
    {
        lock (Shared)
        {
            if (!Shared.TryGetValue(stack.ApiUrl, out var project))
            {
                project = new Lazy<Task<FuzzProject>>(() => CreateAsync(stack));
                Shared[stack.ApiUrl] = project;
            }

            return project.Value;
        }
    }

    /// <summary>The headers of a request that gets past the gateway and the tenant check as <paramref name="bearer"/>.</summary>
    public List<KeyValuePair<string, string>> Headers(string bearer) => [new("apikey", AnonKey), new("Authorization", "Bearer " + bearer)];

    private static async Task<FuzzProject> CreateAsync(StackFixture stack)
    {
        var settings = new
        {
            auth = new
            {
                autoconfirm = true,
                anonymous_sign_ins = true,
                rate_limit_token_refresh = 1_000_000,
                rate_limit_otp = 1_000_000,
                rate_limit_verify = 1_000_000,
                rate_limit_anonymous_users = 1_000_000,
            },
            rest = new { aggregates_enabled = true },
        };
        var rest = await RestProject.SharedAsync(stack, "fuzz", RestFixtureSql.Library + RestFixtureSql.WriteRules, settings);

        var signup = await SendAsync(rest, HttpMethod.Post, "/auth/v1/signup", rest.AnonKey, """{"email":"fuzz@example.com","password":"secret-123"}""");
        var userToken = JsonDocument.Parse(signup).RootElement.GetProperty("access_token").GetString()!;

        foreach (var bucket in new[] { """{"id":"fz","name":"fz","public":true}""", """{"id":"fzp","name":"fzp","public":false,"file_size_limit":1000,"allowed_mime_types":["text/plain"]}""" })
        {
            await SendAsync(rest, HttpMethod.Post, "/storage/v1/bucket", rest.ServiceKey, bucket);
        }

        foreach (var name in new[] { "fz/a.txt", "fz/dir/b.txt", "fzp/c.txt" })
        {
            await SendAsync(rest, HttpMethod.Post, "/storage/v1/object/" + name, rest.ServiceKey, "hello", "text/plain");
        }

        var signed = await SendAsync(rest, HttpMethod.Post, "/storage/v1/object/sign/fz/a.txt", rest.ServiceKey, """{"expiresIn":3600}""");
        var signedUrl = "/storage/v1" + JsonDocument.Parse(signed).RootElement.GetProperty("signedURL").GetString()!;
        return new FuzzProject(rest, userToken, signedUrl);
    }

    private static async Task<string> SendAsync(RestProject rest, HttpMethod method, string path, string bearer, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, rest.Stack.ApiUrl + path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("apikey", rest.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await StackHttp.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text;
    }
}
