using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>A project of a test class's own, and calls to its /auth/v1 the way auth-js makes them.</summary>
internal sealed class AuthClient
{
    private AuthClient(StackFixture stack, string projectRef, string anonKey, string serviceRoleKey, string databaseName)
    {
        Stack = stack;
        Ref = projectRef;
        AnonKey = anonKey;
        ServiceRoleKey = serviceRoleKey;
        DatabaseName = databaseName;
    }

    public StackFixture Stack { get; }

    public string Ref { get; }

    public string AnonKey { get; }

    public string ServiceRoleKey { get; }

    public string DatabaseName { get; }

    public string ProjectConnectionString =>
        new Npgsql.NpgsqlConnectionStringBuilder(Stack.SystemConnectionString) { Database = DatabaseName }.ConnectionString;

    public static async Task<AuthClient> CreateAsync(StackFixture stack, string name, object? settings = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.AdminUrl + "/projects")
        {
            Content = JsonContent.Create(new { name, settings }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var response = await StackHttp.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var client = new AuthClient(
            stack,
            root.GetProperty("ref").GetString()!,
            root.GetProperty("anon_key").GetString()!,
            root.GetProperty("service_role_key").GetString()!,
            root.GetProperty("db_name").GetString()!);

        // The first call that opens the project's database applies the migrations, so tests may use SQL at once.
        (await client.SendAsync(HttpMethod.Get, "/user")).AssertError(403, "bad_jwt");
        return client;
    }

    /// <summary>Sends a request with the anon apikey, the 2024-01-01 API version and an optional bearer.</summary>
    public async Task<AuthResponse> SendAsync(HttpMethod method, string path, object? body = null, string? bearer = null, bool versioned = true)
    {
        using var request = new HttpRequestMessage(method, Stack.ApiUrl + "/auth/v1" + path);
        request.Headers.Add("apikey", AnonKey);
        if (versioned)
        {
            request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await StackHttp.Client.SendAsync(request);
        return await AuthResponse.ReadAsync(response);
    }

    public Task<AuthResponse> PostAsync(string path, object? body = null, string? bearer = null) => SendAsync(HttpMethod.Post, path, body, bearer);

    public Task<AuthResponse> SignUpAsync(string email, string password = "secret-123", object? data = null) =>
        PostAsync("/signup", new { email, password, data });

    public Task<AuthResponse> SignInAsync(string email, string password = "secret-123") =>
        PostAsync("/token?grant_type=password", new { email, password });

    public async Task<(string AccessToken, string RefreshToken, string UserId)> SessionAsync(string email, string password = "secret-123")
    {
        var signedUp = await SignUpAsync(email, password);
        signedUp.AssertStatus(200);
        return (signedUp.Json.GetProperty("access_token").GetString()!,
            signedUp.Json.GetProperty("refresh_token").GetString()!,
            signedUp.Json.GetProperty("user").GetProperty("id").GetString()!);
    }

    /// <summary>Mails captured for <paramref name="to"/>, newest first, through Control's mail catcher.</summary>
    public async Task<JsonElement[]> MailsAsync(string to)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Stack.AdminUrl}/projects/{Ref}/mail?to={Uri.EscapeDataString(to)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stack.AdminPassword);
        using var response = await StackHttp.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return [.. JsonDocument.Parse(body).RootElement.Clone().EnumerateArray()];
    }

    /// <summary>A call to this project's admin API, <c>/admin/v1/projects/{ref}{suffix}</c>, with the admin password.</summary>
    public async Task<AuthResponse> AdminAsync(HttpMethod method, string suffix = "", object? body = null)
    {
        using var request = new HttpRequestMessage(method, $"{Stack.AdminUrl}/projects/{Ref}{suffix}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stack.AdminPassword);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await StackHttp.Client.SendAsync(request);
        return await AuthResponse.ReadAsync(response);
    }

    /// <summary>Merges <paramref name="settings"/> into the project's settings; asserts Control took them.</summary>
    public async Task<JsonElement> PatchSettingsAsync(object settings)
    {
        var response = await AdminAsync(HttpMethod.Patch, body: new { settings });
        response.AssertStatus(200);
        return response.Json;
    }

    /// <summary>Opens a mailed link as a browser would (the apikey names this project); returns where its 303 points.</summary>
    public async Task<string> FollowAsync(string link)
    {
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, Stack.ApiUrl + new Uri(link).PathAndQuery);
        request.Headers.Add("apikey", AnonKey);
        using var response = await noRedirect.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>
    /// Waits until <paramref name="probe"/> holds four times in a row: the gateway spreads requests over both
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

    public async Task<T?> ScalarAsync<T>(string sql, params object[] values)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ProjectConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull or null ? default : (T)result;
    }

    public static string UniqueEmail(string tag) => $"{tag}-{Guid.NewGuid():N}@example.com";

    public static JsonElement Claims(string jwt) =>
        JsonDocument.Parse(Base64UrlDecode(jwt.Split('.')[1])).RootElement.Clone();

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Convert.FromBase64String(padded);
    }
}

internal sealed record AuthResponse(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public JsonElement Json => Body.Length == 0 ? default : JsonDocument.Parse(Body).RootElement.Clone();

    public static async Task<AuthResponse> ReadAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(",", values);
        }

        return new AuthResponse((int)response.StatusCode, await response.Content.ReadAsStringAsync(), headers);
    }

    public void AssertStatus(int status) => Assert.True(Status == status, $"expected {status}, got {Status}: {Body}");

    /// <summary>GoTrue's 2024-01-01 error shape, its header echo and x-sb-error-code.</summary>
    public void AssertError(int status, string code)
    {
        AssertStatus(status);
        Assert.Equal(code, Json.GetProperty("code").GetString());
        Assert.Equal(code, Headers["x-sb-error-code"]);
        Assert.Equal("2024-01-01", Headers["X-Supabase-Api-Version"]);
        Assert.False(string.IsNullOrEmpty(Json.GetProperty("message").GetString()));
    }
}
