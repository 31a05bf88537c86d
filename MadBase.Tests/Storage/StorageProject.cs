using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MadBase.Cli;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;
using Npgsql;

namespace MadBase.Tests.Storage;

/// <summary>
/// A project of its own for one test class, created through the admin API, with helpers to call
/// /storage/v1 through the gateway as service_role, anon, or a signed-in user (a JWT of the project).
/// </summary>
internal sealed class StorageProject
{
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    private StorageProject(RunningStack stack, string projectRef, string anonKey, string serviceRoleKey, string jwtSecret, string databaseName)
    {
        Stack = stack;
        Ref = projectRef;
        AnonKey = anonKey;
        ServiceRoleKey = serviceRoleKey;
        JwtSecret = jwtSecret;
        DatabaseName = databaseName;
    }

    internal RunningStack Stack { get; }

    public string Ref { get; }

    public string AnonKey { get; }

    public string ServiceRoleKey { get; }

    public string JwtSecret { get; }

    public string DatabaseName { get; }

    public string StorageUrl => Stack.ApiUrl + "/storage/v1";

    /// <summary>Where the file backend keeps this project's blobs in the stack's data directory.</summary>
    public string BlobFolder => Path.Combine(Stack.DataDirectory, "storage", Ref);

    public static Task<StorageProject> CreateAsync(StackFixture stack, string name, object? settings = null) =>
        CreateAsync(stack.Stack, name, settings);

    internal static async Task<StorageProject> CreateAsync(RunningStack stack, string name, object? settings = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.AdminUrl + "/projects")
        {
            Content = JsonContent.Create(new { name, settings }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        return new StorageProject(
            stack,
            root.GetProperty("ref").GetString()!,
            root.GetProperty("anon_key").GetString()!,
            root.GetProperty("service_role_key").GetString()!,
            root.GetProperty("jwt_secret").GetString()!,
            root.GetProperty("db_name").GetString()!);
    }

    /// <summary>An access token for a signed-in user, as GoTrue would issue it.</summary>
    public string UserToken(Guid userId, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow;
        return JwtIssuer.Sign(
            new Dictionary<string, object>
            {
                ["sub"] = userId.ToString(),
                ["role"] = "authenticated",
                ["aud"] = "authenticated",
                ["ref"] = Ref,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.Add(lifetime ?? TimeSpan.FromHours(1)).ToUnixTimeSeconds(),
            },
            JwtSecret);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string? bearer = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, StorageUrl + path) { Content = content };
        request.Headers.Add("apikey", AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? ServiceRoleKey);
        return request;
    }

    /// <summary>A GET without any key, as a browser opens a public or signed URL; the host names the project.</summary>
    public async Task<HttpResponseMessage> KeylessGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, StorageUrl + path);
        request.Headers.Host = $"{Ref}.localhost:{new Uri(Stack.ApiUrl).Port}";
        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, HttpContent? content = null)
    {
        using var request = Request(method, path, bearer, content);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> JsonAsync(HttpMethod method, string path, object body, string? bearer = null) =>
        SendAsync(method, path, bearer, JsonContent.Create(body));

    public async Task CreateBucketAsync(string id, bool isPublic = false, object? fileSizeLimit = null, string[]? allowedMimeTypes = null)
    {
        using var response = await JsonAsync(HttpMethod.Post, "/bucket", new { id, name = id, @public = isPublic, file_size_limit = fileSizeLimit, allowed_mime_types = allowedMimeTypes });
        await AssertOkAsync(response);
    }

    public async Task<HttpResponseMessage> UploadAsync(string bucket, string path, string text, string? bearer = null, bool upsert = false, string contentType = "text/plain")
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = Request(HttpMethod.Post, $"/object/{bucket}/{path}", bearer, content);
        if (upsert)
        {
            request.Headers.Add("x-upsert", "true");
        }

        return await Http.SendAsync(request);
    }

    public async Task<string> DownloadTextAsync(string bucket, string path, string? bearer = null)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/object/authenticated/{bucket}/{path}", bearer);
        await AssertOkAsync(response);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task ExecuteSqlAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(Stack.SystemConnectionString) { Database = DatabaseName };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> CountObjectsAsync(string bucket, string name)
    {
        var builder = new NpgsqlConnectionStringBuilder(Stack.SystemConnectionString) { Database = DatabaseName };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM storage.objects WHERE bucket_id = $1 AND name = $2", connection);
        command.Parameters.AddWithValue(bucket);
        command.Parameters.AddWithValue(name);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Blob files of one object (all versions) on the file backend.</summary>
    public string[] BlobFiles(string bucket, string name)
    {
        var folder = Path.Combine(BlobFolder, bucket, name);
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    public static async Task AssertOkAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Asserts storage-api's error shape: HTTP 400 (or 5xx) with the real status in the body.</summary>
    public static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, string statusCode, string? code = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        var expectedHttp = int.Parse(statusCode, System.Globalization.CultureInfo.InvariantCulture) >= 500 ? int.Parse(statusCode, System.Globalization.CultureInfo.InvariantCulture) : 400;
        Assert.True((int)response.StatusCode == expectedHttp, $"HTTP {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(statusCode, json.GetProperty("statusCode").GetString());
        if (code is not null)
        {
            Assert.Equal(code, json.GetProperty("code").GetString());
        }

        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        return json;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        await AssertOkAsync(response);
        return await StackHttp.JsonAsync(response);
    }
}
