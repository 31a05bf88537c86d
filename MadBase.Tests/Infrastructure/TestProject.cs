using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MadBase.Cli;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Rest;
using Npgsql;

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// The one test helper for a project (as Npgsql's TestBase/TestUtil): a project of a test class's own on a
/// running stack, created through the admin API, with its ref, keys, JWT secret and database; SQL on that
/// database as the superuser; user tokens signed with its secret; its admin API; and requests through the
/// gateway, all on <see cref="TestHttp.Client"/> and read into one <see cref="ApiResponse"/>.
/// Each module's calls are extension methods next to its tests: <c>Auth/AuthCalls.cs</c> (/auth/v1, mails),
/// <c>Rest/RestCalls.cs</c> (the schema cache, JSON comparisons), <c>Storage/StorageCalls.cs</c> (/storage/v1,
/// buckets, blobs); <c>Realtime/PhoenixClient.cs</c> is the one realtime socket. New tests start here.
/// </summary>
internal sealed class TestProject
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<TestProject>>> Shared = new(StringComparer.Ordinal);

    private TestProject(RunningStack stack, JsonElement created)
    {
        Stack = stack;
        Ref = created.GetProperty("ref").GetString()!;
        AnonKey = created.GetProperty("anon_key").GetString()!;
        ServiceRoleKey = created.GetProperty("service_role_key").GetString()!;
        JwtSecret = created.GetProperty("jwt_secret").GetString()!;
        DatabaseName = created.GetProperty("db_name").GetString()!;

        // Unpooled: tests terminate backends and drop databases, which would leave dead connections in a pool.
        ConnectionString = new NpgsqlConnectionStringBuilder(stack.SystemConnectionString) { Database = DatabaseName, Pooling = false }.ConnectionString;
    }

    public RunningStack Stack { get; }

    public string Ref { get; }

    public string AnonKey { get; }

    public string ServiceRoleKey { get; }

    public string JwtSecret { get; }

    public string DatabaseName { get; }

    /// <summary>Npgsql connection string of the project's database, as the cluster's superuser.</summary>
    public string ConnectionString { get; }

    public static Task<TestProject> CreateAsync(StackFixture stack, string name, object? settings = null, string? setupSql = null, bool openDatabase = true) =>
        CreateAsync(stack.Stack, name, settings, setupSql, openDatabase);

    /// <summary>
    /// Creates the project; a first request brings its database up to date (every module's migrations), so
    /// tests may use SQL at once. <paramref name="setupSql"/> then runs as the superuser, and the call returns
    /// once every worker's schema cache has seen it. <paramref name="openDatabase"/> false leaves the database
    /// unopened, for a test about a project's first request. <paramref name="databaseUrl"/> puts the project on an
    /// existing database instead of a new one.
    /// </summary>
    public static async Task<TestProject> CreateAsync(
        RunningStack stack, string name, object? settings = null, string? setupSql = null, bool openDatabase = true, string? databaseUrl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.AdminUrl + "/projects")
        {
            Content = databaseUrl is null ? JsonContent.Create(new { name, settings }) : JsonContent.Create(new { name, settings, database_url = databaseUrl }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var response = await TestHttp.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var project = new TestProject(stack, JsonDocument.Parse(body).RootElement);

        if (openDatabase)
        {
            var first = await project.GetAsync("/rest/v1/");
            Assert.True(first.Status == HttpStatusCode.OK, $"the project's first request: {(int)first.Status} {first.Body}\n{StackLogs.Errors(stack)}");
        }

        if (setupSql is not null)
        {
            await project.ExecuteAsync(setupSql);
            await project.WaitForSchemaAsync();
        }

        return project;
    }

    /// <summary>
    /// xunit makes a test class instance per test: this project is created once per name and stack, so a
    /// class's tests share its fixture data (each test keeps to rows of its own).
    /// </summary>
    public static Task<TestProject> SharedAsync(StackFixture stack, string name, string setupSql, object? settings = null) =>
        Shared.GetOrAdd(stack.ApiUrl + "|" + name, _ => new Lazy<Task<TestProject>>(() => CreateAsync(stack, name, settings, setupSql))).Value;

    /// <summary>An access token for a signed-in user, as GoTrue would issue it.</summary>
    public string UserToken(Guid subject, string role = "authenticated", TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow;
        return JwtIssuer.Sign(
            new Dictionary<string, object>
            {
                ["sub"] = subject.ToString(),
                ["role"] = role,
                ["aud"] = "authenticated",
                ["ref"] = Ref,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.Add(lifetime ?? TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
            },
            JwtSecret);
    }

    /// <summary>A request through the gateway with the anon apikey, an optional bearer and headers (a Content-Type among them types the body).</summary>
    public async Task<ApiResponse> SendAsync(
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

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    public Task<ApiResponse> GetAsync(string pathAndQuery, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, pathAndQuery, null, null, headers);

    /// <summary>A call to this project's admin API, <c>/admin/v1/projects/{ref}{suffix}</c>, with the admin password.</summary>
    public async Task<ApiResponse> AdminAsync(HttpMethod method, string suffix = "", object? body = null)
    {
        using var request = new HttpRequestMessage(method, $"{Stack.AdminUrl}/projects/{Ref}{suffix}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stack.AdminPassword);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>Merges <paramref name="settings"/> into the project's settings; asserts Control took them.</summary>
    public async Task<JsonElement> PatchSettingsAsync(object settings)
    {
        var response = await AdminAsync(HttpMethod.Patch, body: new { settings });
        response.AssertStatus(200);
        return response.Element;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull or null ? default : (T)result;
    }

    /// <summary>The rows of a direct query as JSON, built by Postgres the same way, to compare with a response.</summary>
    public async Task<JsonNode> QueryJsonAsync(string sql) =>
        JsonNode.Parse((await ScalarAsync<string>($"SELECT coalesce(json_agg(q), '[]')::text FROM ({sql}) AS q"))!)!;

    /// <summary>
    /// Waits until <paramref name="probe"/> holds four times in a row: the gateway spreads requests over the
    /// workers, and each drops its cached project when Control's change message reaches it.
    /// </summary>
    public static async Task UntilEveryWorkerAsync(Func<Task<bool>> probe, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var seen = 0;
        while (seen < 4 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            seen = await probe() ? seen + 1 : 0;
        }

        Assert.True(seen == 4, $"after {clock.Elapsed.TotalSeconds:F1} s, not every worker saw {what}");
    }
}
