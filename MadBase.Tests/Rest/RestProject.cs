using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;
using Npgsql;

namespace MadBase.Tests.Rest;

/// <summary>A response as the tests read it: status, headers and the body parsed when it is JSON.</summary>
internal sealed record RestResult(HttpStatusCode Status, string Body, HttpResponseMessage Response)
{
    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public string? Header(string name) =>
        Response.Headers.TryGetValues(name, out var values) ? values.First()
        : Response.Content.Headers.TryGetValues(name, out var content) ? content.First() : null;

    public string? ErrorCode => Json?["code"]?.GetValue<string>();
}

/// <summary>
/// A project of its own for one test class, created through the admin API, with a fixture schema set up
/// as the superuser, and helpers to call /rest/v1 the way postgrest-js does and to query the same data
/// directly for comparison.
/// </summary>
internal sealed class RestProject
{
    private RestProject(StackFixture stack, string projectRef, string anonKey, string serviceKey, string jwtSecret, string dbName)
    {
        Stack = stack;
        Ref = projectRef;
        AnonKey = anonKey;
        ServiceKey = serviceKey;
        JwtSecret = jwtSecret;
        ConnectionString = new NpgsqlConnectionStringBuilder(stack.SystemConnectionString) { Database = dbName, Pooling = false }.ConnectionString;
    }

    public StackFixture Stack { get; }

    public string Ref { get; }

    public string AnonKey { get; }

    public string ServiceKey { get; }

    public string JwtSecret { get; }

    public string ConnectionString { get; }

    private static readonly ConcurrentDictionary<string, Lazy<Task<RestProject>>> Shared = new(StringComparer.Ordinal);

    /// <summary>
    /// xunit makes a test class instance per test: the project is created once per class and stack, so a
    /// class's tests share its fixture data (each test keeps to rows of its own).
    /// </summary>
    public static Task<RestProject> SharedAsync(StackFixture stack, string name, string setupSql, object? settings = null) =>
        Shared.GetOrAdd(stack.ApiUrl + "|" + name, _ => new Lazy<Task<RestProject>>(() => CreateAsync(stack, name, setupSql, settings))).Value;

    public static async Task<RestProject> CreateAsync(StackFixture stack, string name, string setupSql, object? settings = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.AdminUrl + "/projects")
        {
            Content = JsonContent.Create(new { name, settings }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var response = await StackHttp.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var json = JsonNode.Parse(body)!;
        var project = new RestProject(
            stack, json["ref"]!.GetValue<string>(), json["anon_key"]!.GetValue<string>(), json["service_role_key"]!.GetValue<string>(),
            json["jwt_secret"]!.GetValue<string>(), json["db_name"]!.GetValue<string>());

        // The first request bootstraps the database (platform and rest migrations) before the fixture SQL runs.
        var warmup = await project.SendAsync(HttpMethod.Get, "/rest/v1/");
        Assert.Equal(HttpStatusCode.OK, warmup.Status);
        await project.ExecuteAsync(setupSql);
        await project.WaitForSchemaAsync();
        return project;
    }

    public string UserToken(Guid subject, string role = "authenticated") => JwtIssuer.Sign(
        new Dictionary<string, object>
        {
            ["sub"] = subject.ToString(),
            ["role"] = role,
            ["aud"] = "authenticated",
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(),
        },
        JwtSecret);

    public async Task<RestResult> SendAsync(
        HttpMethod method, string pathAndQuery, string? body = null, string? token = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, Stack.ApiUrl + pathAndQuery);
        request.Headers.Add("apikey", AnonKey);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        string? contentType = null;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        var response = await StackHttp.Client.SendAsync(request);
        return new RestResult(response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public Task<RestResult> GetAsync(string pathAndQuery, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, pathAndQuery, null, null, headers);

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The rows of a direct query as JSON, built by Postgres the same way, to compare with a response.</summary>
    public async Task<JsonNode> QueryJsonAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT coalesce(json_agg(q), '[]')::text FROM ({sql}) AS q", connection);
        return JsonNode.Parse((string)(await command.ExecuteScalarAsync())!)!;
    }

    /// <summary>
    /// DDL reloads each worker's cache in the background; wait until several requests in a row (round robin
    /// over the stack's workers) are served the last table of the fixture.
    /// </summary>
    public async Task WaitForSchemaAsync(string? table = null)
    {
        var probe = table ?? "pgrst_ready";
        if (table is null)
        {
            await ExecuteAsync("CREATE TABLE IF NOT EXISTS public.pgrst_ready (id int)");
        }

        var inARow = 0;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var result = await GetAsync($"/rest/v1/{probe}?limit=0");
            inARow = result.Status == HttpStatusCode.OK ? inARow + 1 : 0;
            if (inARow == 4)
            {
                return;
            }

            if (inARow == 0)
            {
                await Task.Delay(100);
            }
        }

        Assert.Fail($"the schema cache never saw {probe}");
    }

    public static void AssertJson(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\n  actual {actual?.ToJsonString()}");

    public static JsonNode Json(string text) => JsonNode.Parse(text)!;
}
