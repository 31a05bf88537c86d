using System.Net.Http.Headers;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// Supabase's new API keys (<c>sb_publishable_…</c>, <c>sb_secret_…</c>) made through the admin API and used
/// through the real gateway and workers, and the keyless setting (<c>api.keyless</c>).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class NewApiKeyTests(StackFixture stack)
{
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    /// <summary>Two rows, one of them readable by anon through RLS; service_role bypasses RLS and sees both.</summary>
    private const string Notes = """
        CREATE TABLE public.notes (id int PRIMARY KEY, public boolean NOT NULL);
        ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY anon_reads_public ON public.notes FOR SELECT TO anon, authenticated USING (public);
        GRANT SELECT ON public.notes TO anon, authenticated, service_role;
        INSERT INTO public.notes VALUES (1, true), (2, false);
        """;

    [Fact]
    public async Task PublishableAndSecretKeys_RunAsAnonAndServiceRole_SecretShownOnlyAtCreation()
    {
        var project = await TestProject.SharedAsync(stack, "new-api-keys", Notes);
        var publishable = await CreateKeyAsync(project, "publishable");
        var secret = await CreateKeyAsync(project, "secret");
        Assert.StartsWith("sb_publishable_", publishable.Key, StringComparison.Ordinal);
        Assert.StartsWith("sb_secret_", secret.Key, StringComparison.Ordinal);

        // As supabase-js sends them: the key in apikey and, with no session, as the bearer too.
        Assert.Equal("[1]", await NoteIdsAsync(publishable.Key, bearer: publishable.Key));
        Assert.Equal("[1,2]", await NoteIdsAsync(secret.Key, bearer: secret.Key));
        Assert.Equal("[1,2]", await NoteIdsAsync(secret.Key, bearer: null));

        // A user's session token next to the publishable key is kept: the request runs as that user.
        Assert.Equal("[1]", await NoteIdsAsync(publishable.Key, bearer: project.UserToken(Guid.NewGuid())));

        var listed = (await project.AdminAsync(HttpMethod.Get, "/api-keys")).Element.EnumerateArray()
            .ToDictionary(k => k.GetProperty("id").GetString()!, k => k.GetProperty("api_key").GetString()!);
        Assert.Equal(publishable.Key, listed[publishable.Id]);
        Assert.DoesNotContain(secret.Key[^20..], listed[secret.Id], StringComparison.Ordinal);
        Assert.StartsWith("sb_secret_", listed[secret.Id], StringComparison.Ordinal);
        Assert.Equal(0L, await StoredCountAsync(secret.Key));
    }

    [Fact]
    public async Task RevokedKey_Returns401LikeABadLegacyKey()
    {
        var project = await TestProject.SharedAsync(stack, "new-api-keys", Notes);
        var key = await CreateKeyAsync(project, "publishable");
        Assert.Equal("[1]", await NoteIdsAsync(key.Key, bearer: null));

        (await project.AdminAsync(HttpMethod.Delete, "/api-keys/" + key.Id)).AssertStatus(204);
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await SendAsync(key.Key, null)).Status == 401, "the revoked key");

        var refused = await SendAsync(key.Key, null);
        Assert.Equal("invalid API key", refused.Element.GetProperty("error").GetString());
        (await project.AdminAsync(HttpMethod.Delete, "/api-keys/" + key.Id)).AssertStatus(404);

        // A well-formed key of the project that was never issued.
        var unknown = "sb_publishable_" + project.Ref + "_" + new string('a', 32);
        (await SendAsync(unknown, null)).AssertStatus(401);
    }

    [Fact]
    public async Task SecretKey_FromABrowser_Returns401_PublishableKeyWorks()
    {
        var project = await TestProject.SharedAsync(stack, "new-api-keys", Notes);
        var secret = await CreateKeyAsync(project, "secret");
        var publishable = await CreateKeyAsync(project, "publishable");

        var refused = await SendAsync(secret.Key, null, ("User-Agent", Browser), ("Origin", "https://app.example.com"));
        refused.AssertStatus(401);
        Assert.Equal("Forbidden use of secret API key in browser", refused.Element.GetProperty("error").GetString());

        // Node's fetch (undici) sends Sec-Fetch-Mode and may send an Origin: a server, where secret keys belong.
        (await SendAsync(secret.Key, null, ("User-Agent", "node"), ("Sec-Fetch-Mode", "cors"), ("Origin", "https://app.example.com"))).AssertStatus(200);

        (await SendAsync(publishable.Key, null, ("User-Agent", Browser), ("Origin", "https://app.example.com"))).AssertStatus(200);
    }

    [Fact]
    public async Task ImportedKeyWithoutRef_WorksOnTheProjectsHost_NotElsewhere()
    {
        var project = await TestProject.SharedAsync(stack, "new-api-keys", Notes);

        // The Supabase CLI's fixed local key: it names no project, so the host must.
        const string cliKey = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
        var imported = await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "publishable", name = "cli", api_key = cliKey });
        imported.AssertStatus(201);
        (await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "publishable", name = "again", api_key = cliKey })).AssertStatus(409);
        (await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "secret", name = "x", api_key = cliKey })).AssertStatus(400);
        var otherRef = "sb_secret_someotherproject_" + new string('b', 32);
        (await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "secret", name = "x", api_key = otherRef })).AssertStatus(400);

        var host = project.Ref + ".api.example.test";
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await SendAsync(cliKey, null, ("Host", host))).Status == 200, "the imported key");
        Assert.Equal("[1]", (await SendAsync(cliKey, cliKey, ("Host", host))).Json!.AsArray().Select(n => n!["id"]!.GetValue<int>()).Serialize());
        (await SendAsync(cliKey, null)).AssertStatus(401);
    }

    [Fact]
    public async Task CreateKey_BadInput_Returns400()
    {
        var project = await TestProject.SharedAsync(stack, "new-api-keys", Notes);

        (await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "admin", name = "x" })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "secret" })).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type = "secret", name = "x", scope = "all" })).AssertStatus(400);
    }

    [Fact]
    public async Task Keyless_OffByDefault_OnRunsAsAnonOrAsTheBearersProject()
    {
        var project = await TestProject.CreateAsync(stack, "keyless", setupSql: Notes);
        var other = await TestProject.CreateAsync(stack, "keyless-other", new { api = new { keyless = true } }, Notes);
        var host = project.Ref + ".api.example.test";

        // Off, as on hosted Supabase: no apikey, no entry, with or without a valid token of the project.
        (await KeylessAsync(host, null)).AssertStatus(401);
        (await KeylessAsync(null, project.UserToken(Guid.NewGuid()))).AssertStatus(401);

        await project.PatchSettingsAsync(new { api = new { keyless = true } });
        await TestProject.UntilEveryWorkerAsync(async () => (int)(await KeylessAsync(host, null)).Status == 200, "keyless on");

        Assert.Equal("[1]", (await KeylessAsync(host, null)).Json!.AsArray().Select(n => n!["id"]!.GetValue<int>()).Serialize());
        var service = await KeylessAsync(null, project.ServiceRoleKey);
        service.AssertStatus(200);
        Assert.Equal(2, service.Json!.AsArray().Count);

        // A host label that names no project (api.example.com's "api") leaves the choice to the token.
        (await KeylessAsync("nosuchproject.example.test", project.ServiceRoleKey)).AssertStatus(200);

        // Project A's token never reaches project B: not on B's host, not with B's ref forged into a token A signed.
        (await KeylessAsync(other.Ref + ".api.example.test", project.ServiceRoleKey)).AssertStatus(401);
        var forged = MadBase.ServiceDefaults.Security.JwtIssuer.ApiKey(other.Ref, "service_role", project.JwtSecret, DateTimeOffset.UtcNow);
        var refused = await KeylessAsync(null, forged);
        refused.AssertStatus(401);
        Assert.Equal("invalid JWT", refused.Element.GetProperty("error").GetString());
    }

    private async Task<ApiResponse> KeylessAsync(string? host, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, stack.ApiUrl + "/rest/v1/notes?select=id&order=id");
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    private async Task<ApiResponse> SendAsync(string apiKey, string? bearer, params (string Name, string Value)[] headers)
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/rest/v1/notes?select=id&order=id", apiKey);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    private async Task<string> NoteIdsAsync(string apiKey, string? bearer)
    {
        var response = await SendAsync(apiKey, bearer);
        response.AssertStatus(200);
        return response.Json!.AsArray().Select(n => n!["id"]!.GetValue<int>()).Serialize();
    }

    private static async Task<(string Id, string Key)> CreateKeyAsync(TestProject project, string type)
    {
        var created = await project.AdminAsync(HttpMethod.Post, "/api-keys", new { type, name = type + " key", description = "test" });
        created.AssertStatus(201);
        var key = created.Element.GetProperty("api_key").GetString()!;

        // The gateway drops its cached project on Control's message; wait until the key works everywhere.
        await TestProject.UntilEveryWorkerAsync(
            async () =>
            {
                using var request = TestHttp.WithKey(HttpMethod.Get, project.Stack.ApiUrl + "/rest/v1/", key);
                using var response = await TestHttp.Client.SendAsync(request);
                return response.IsSuccessStatusCode;
            },
            "the new key");
        return (created.Element.GetProperty("id").GetString()!, key);
    }

    private async Task<long> StoredCountAsync(string key)
    {
        await using var connection = new Npgsql.NpgsqlConnection(stack.SystemConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM madbase.projects WHERE api_keys::text LIKE '%' || $1 || '%'", connection);
        command.Parameters.AddWithValue(key[^32..]);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

file static class Ids
{
    public static string Serialize(this IEnumerable<int> ids) => JsonSerializer.Serialize(ids);
}
