using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Control;

/// <summary>The admin API over real HTTP, against a real Control process and real Postgres.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProjectsApiTests(PostgresFixture postgres, ControlFixture fixture) : IClassFixture<ControlFixture>
{
    private ControlProcess Control => fixture.Control;

    [Fact]
    public async Task ListProjects_WithoutCredentials_Returns401Json()
    {
        using var response = await Control.Client.GetAsync("/admin/v1/projects");

        var message = await ControlAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid admin credentials", message);
    }

    [Theory]
    [InlineData("Bearer", "wrong")]
    [InlineData("Bearer", ControlProcess.AdminPassword + "x")]
    [InlineData("Basic", "YWRtaW46d3Jvbmc=")] // admin:wrong
    [InlineData("Token", ControlProcess.AdminPassword)]
    public async Task ListProjects_WithWrongCredentials_Returns401Json(string scheme, string parameter)
    {
        using var response = await Control.SendAsync(HttpMethod.Get, "/admin/v1/projects", authorization: new(scheme, parameter));

        await ControlAssert.ErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ListProjects_WithBasicCredentials_ListsDefaultProject()
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("anyone:" + ControlProcess.AdminPassword));
        using var response = await Control.SendAsync(HttpMethod.Get, "/admin/v1/projects", authorization: new("Basic", basic));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var project = Assert.Single(document.RootElement.EnumerateArray(), p => p.GetProperty("ref").GetString() == Control.DefaultRef);
        Assert.Equal("Default project", project.GetProperty("name").GetString());
        Assert.Equal("project_" + Control.DefaultRef, project.GetProperty("db_name").GetString());
        Assert.True(project.GetProperty("created_at").TryGetDateTimeOffset(out _));
        Assert.False(project.TryGetProperty("jwt_secret", out _));
    }

    [Fact]
    public async Task GetProject_Default_ReturnsKeysSignedWithItsSecret()
    {
        var project = await Control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{Control.DefaultRef}");

        var secret = project.GetProperty("jwt_secret").GetString()!;
        Assert.True(secret.Length >= 32);
        Assert.Equal("project_" + Control.DefaultRef, project.GetProperty("db_name").GetString());
        await ControlAssert.ApiKeyAsync(project.GetProperty("anon_key").GetString()!, secret, "anon", Control.DefaultRef);
        await ControlAssert.ApiKeyAsync(project.GetProperty("service_role_key").GetString()!, secret, "service_role", Control.DefaultRef);
        Assert.Equal(3600, project.GetProperty("settings").GetProperty("auth").GetProperty("jwt_expiry_seconds").GetInt32());
    }

    [Theory]
    [InlineData("nosuchproject")]
    [InlineData("NOT-A-REF")]
    public async Task GetProject_Unknown_Returns404Json(string projectRef)
    {
        using var response = await Control.SendAsync(HttpMethod.Get, $"/admin/v1/projects/{projectRef}");

        await ControlAssert.ErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CreateProject_WithRefAndSecret_BootstrapsItsDatabase()
    {
        var projectRef = ControlProcess.UniqueRef("new");
        var secret = "a-jwt-secret-of-at-least-thirty-two-characters";
        var stopwatch = Stopwatch.StartNew();

        using var response = await Control.SendAsync(
            HttpMethod.Post, "/admin/v1/projects", $$"""{"name": "Shop", "ref": "{{projectRef}}", "jwt_secret": "{{secret}}"}""");

        var elapsed = stopwatch.Elapsed;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"creation took {elapsed}");
        Assert.Equal($"/admin/v1/projects/{projectRef}", response.Headers.Location?.OriginalString);
        var project = JsonDocument.Parse(body).RootElement;
        Assert.Equal(projectRef, project.GetProperty("ref").GetString());
        Assert.Equal("Shop", project.GetProperty("name").GetString());
        Assert.Equal(secret, project.GetProperty("jwt_secret").GetString());
        await ControlAssert.ApiKeyAsync(project.GetProperty("anon_key").GetString()!, secret, "anon", projectRef);
        await ControlAssert.ApiKeyAsync(project.GetProperty("service_role_key").GetString()!, secret, "service_role", projectRef);

        var database = postgres.ConnectionString("project_" + projectRef);
        Assert.True(await ControlAssert.ScalarAsync<bool>(database, "SELECT to_regprocedure('auth.uid()') IS NOT NULL"));
        Assert.Equal(3L, await ControlAssert.ScalarAsync<long>(
            database, "SELECT count(*) FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role')"));

        var password = await ControlAssert.ScalarAsync<string>(
            Control.SystemConnectionString, "SELECT authenticator_password FROM madbase.projects WHERE ref = $1", projectRef);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", password);
        var authenticator = new NpgsqlConnectionStringBuilder(database)
        {
            Username = projectRef + "_authenticator",
            Password = password,
            Pooling = false,
        };
        Assert.Equal("anon", await ControlAssert.ScalarAsync<string>(authenticator.ConnectionString, "SET ROLE anon; SELECT current_user::text"));

        authenticator.Password = "not-the-password";
        await Assert.ThrowsAsync<PostgresException>(() => ControlAssert.ScalarAsync<int>(authenticator.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task CreateProject_WithNameOnly_GeneratesRefAndSecret()
    {
        var project = await Control.SendForJsonAsync(HttpMethod.Post, "/admin/v1/projects", """{"name": "Generated"}""");

        var projectRef = project.GetProperty("ref").GetString()!;
        var secret = project.GetProperty("jwt_secret").GetString()!;
        Assert.Matches("^[a-z]{20}$", projectRef);
        Assert.Matches("^[A-Za-z0-9_-]{64}$", secret);
        await ControlAssert.ApiKeyAsync(project.GetProperty("anon_key").GetString()!, secret, "anon", projectRef);
        var listed = await Control.SendForJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.Contains(listed.EnumerateArray(), p => p.GetProperty("ref").GetString() == projectRef);
    }

    [Fact]
    public async Task CreateProject_DuplicateRef_Returns409Json()
    {
        using var response = await Control.SendAsync(
            HttpMethod.Post, "/admin/v1/projects", $$"""{"name": "Again", "ref": "{{Control.DefaultRef}}"}""");

        await ControlAssert.ErrorAsync(response, HttpStatusCode.Conflict);
        var project = await Control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{Control.DefaultRef}");
        Assert.Equal("Default project", project.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"name\": ", "not valid JSON")]
    [InlineData("[]", "must be an object")]
    [InlineData("{}", "name is required")]
    [InlineData("{\"name\": \"  \"}", "name must not be empty")]
    [InlineData("{\"name\": 5}", "field name")]
    [InlineData("{\"name\": \"x\", \"ref\": \"Bad-Ref\"}", "ref must be")]
    [InlineData("{\"name\": \"x\", \"ref\": \"ab\"}", "ref must be")]
    [InlineData("{\"name\": \"x\", \"jwt_secret\": \"short\"}", "at least 32 characters")]
    [InlineData("{\"name\": \"x\", \"jwt_secrt\": \"0123456789abcdef0123456789abcdef\"}", "field jwt_secrt")]
    [InlineData("{\"name\": \"x\", \"settings\": [1]}", "field settings")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"autoconfirmm\": true}}}", "settings.auth.autoconfirmm")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"jwt_expiry_seconds\": \"60\"}}}", "settings.auth.jwt_expiry_seconds")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"jwt_expiry_seconds\": -1}}}", "jwt_expiry_seconds must be")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"webauthn\": {\"rp_origins\": [\"app.example.com\"]}}}}", "rp_origins must be")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"webauthn\": {\"rp_id\": \"https://app.example.com\"}}}}", "rp_id must be")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"passkey\": {\"max_passkeys_per_user\": 0}}}}", "max_passkeys_per_user must be")]
    [InlineData("{\"name\": \"a\\u0000b\"}", "NUL characters")] // Postgres refuses NUL in text (22021): was a 500
    [InlineData("{\"name\": \"a\\ud800b\"}", "unpaired UTF-16 surrogates")] // unreadable as a .NET string: was a 500
    [InlineData("{\"name\": \"x\", \"settings\": {\"auth\": {\"site_url\": \"\\u0000\"}}}", "NUL characters")]
    [InlineData("{\"name\": \"x\", \"settings\": {\"x\\udc00\": 1}}", "unpaired UTF-16 surrogates")]
    public async Task CreateProject_BadInput_Returns400Json(string body, string expected)
    {
        using var response = await Control.SendAsync(HttpMethod.Post, "/admin/v1/projects", body);

        var message = await ControlAssert.ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateProject_NameAndSettings_MergesIntoStoredSettings()
    {
        var projectRef = await CreateAsync("""{"settings": {"auth": {"disable_signup": true, "site_url": "https://one.example"}}}""");

        var updated = await Control.SendForJsonAsync(
            HttpMethod.Patch,
            $"/admin/v1/projects/{projectRef}",
            """{"name": "Renamed", "settings": {"auth": {"site_url": null, "jwt_expiry_seconds": 600}, "storage": {"file_size_limit": 1000}}}""");

        Assert.Equal("Renamed", updated.GetProperty("name").GetString());
        var auth = updated.GetProperty("settings").GetProperty("auth");
        Assert.True(auth.GetProperty("disable_signup").GetBoolean());
        Assert.Equal(600, auth.GetProperty("jwt_expiry_seconds").GetInt32());
        Assert.Equal("http://127.0.0.1:3000", auth.GetProperty("site_url").GetString());
        Assert.Equal(1000, updated.GetProperty("settings").GetProperty("storage").GetProperty("file_size_limit").GetInt64());
        var stored = await ControlAssert.ScalarAsync<string>(
            Control.SystemConnectionString, "SELECT settings::text FROM madbase.projects WHERE ref = $1", projectRef);
        Assert.Equal(
            """{"auth": {"disable_signup": true, "jwt_expiry_seconds": 600}, "storage": {"file_size_limit": 1000}}""",
            stored);
    }

    [Fact]
    public async Task UpdateProject_InvalidSettings_Returns400AndKeepsSettings()
    {
        var projectRef = await CreateAsync("""{"settings": {"auth": {"min_password_length": 10}}}""");

        using var response = await Control.SendAsync(
            HttpMethod.Patch, $"/admin/v1/projects/{projectRef}", """{"settings": {"auth": {"min_password_length": 2}}}""");

        await ControlAssert.ErrorAsync(response, HttpStatusCode.BadRequest);
        var project = await Control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{projectRef}");
        Assert.Equal(10, project.GetProperty("settings").GetProperty("auth").GetProperty("min_password_length").GetInt32());
    }

    [Theory]
    [InlineData("""{"name": "a\u0000"}""")]
    [InlineData("""{"settings": {"auth": {"site_url": "\ud800"}}}""")]
    public async Task UpdateProject_TextPostgresCannotHold_Returns400Json(string body)
    {
        var projectRef = await CreateAsync();

        using var response = await Control.SendAsync(HttpMethod.Patch, $"/admin/v1/projects/{projectRef}", body);

        var message = await ControlAssert.ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("NUL characters or unpaired UTF-16 surrogates", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListMail_NulInRecipient_Returns400Json()
    {
        using var response = await Control.SendAsync(HttpMethod.Get, $"/admin/v1/projects/{Control.DefaultRef}/mail?to=a%00b");

        var message = await ControlAssert.ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("NUL", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateProject_Unknown_Returns404Json()
    {
        using var response = await Control.SendAsync(HttpMethod.Patch, "/admin/v1/projects/nosuchproject", """{"name": "x"}""");

        await ControlAssert.ErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?confirm=")]
    [InlineData("?confirm=somethingelse")]
    public async Task DeleteProject_WithoutMatchingConfirm_Returns400AndKeepsDatabase(string query)
    {
        var projectRef = await CreateAsync();

        using var response = await Control.SendAsync(HttpMethod.Delete, $"/admin/v1/projects/{projectRef}{query}");

        var message = await ControlAssert.ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains($"confirm={projectRef}", message, StringComparison.Ordinal);
        Assert.Equal(1L, await DatabaseCountAsync(projectRef));
    }

    [Fact]
    public async Task DeleteProject_WithConfirm_DropsDatabaseRoleAndRow()
    {
        var projectRef = await CreateAsync();
        // An open session must not keep the database alive: DROP DATABASE … WITH (FORCE) ends it.
        await using var session = new NpgsqlConnection(postgres.ConnectionString("project_" + projectRef) + ";Pooling=false");
        await session.OpenAsync();

        using var response = await Control.SendAsync(HttpMethod.Delete, $"/admin/v1/projects/{projectRef}?confirm={projectRef}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0L, await DatabaseCountAsync(projectRef));
        Assert.Equal(0L, await ControlAssert.ScalarAsync<long>(
            postgres.ConnectionString("postgres"), "SELECT count(*) FROM pg_roles WHERE rolname = $1", projectRef + "_authenticator"));
        using var gone = await Control.SendAsync(HttpMethod.Get, $"/admin/v1/projects/{projectRef}");
        await ControlAssert.ErrorAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UnknownAdminRoute_Returns404Json()
    {
        using var response = await Control.SendAsync(HttpMethod.Get, "/admin/v1/nothing-here");

        await ControlAssert.ErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethod_Returns405Json()
    {
        using var response = await Control.SendAsync(HttpMethod.Put, "/admin/v1/projects");

        await ControlAssert.ErrorAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Health_WithDatabase_Returns200()
    {
        using var response = await Control.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> CreateAsync(string extra = "{}")
    {
        var projectRef = ControlProcess.UniqueRef("tmp");
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra)!;
        body["name"] = JsonSerializer.SerializeToElement("Test " + projectRef);
        body["ref"] = JsonSerializer.SerializeToElement(projectRef);
        await Control.SendForJsonAsync(HttpMethod.Post, "/admin/v1/projects", JsonSerializer.Serialize(body));
        return projectRef;
    }

    private Task<long> DatabaseCountAsync(string projectRef) =>
        ControlAssert.ScalarAsync<long>(postgres.ConnectionString("postgres"), "SELECT count(*) FROM pg_database WHERE datname = $1", "project_" + projectRef);
}
