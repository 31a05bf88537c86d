using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Control;

/// <summary>What Control does before it serves: system migrations, the default project, configuration checks.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ControlStartupTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Restart_KeepsDefaultProjectAndItsKeys()
    {
        await using var control = await ControlProcess.StartAsync(postgres);
        var before = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{control.DefaultRef}");

        await control.StopAsync();
        await control.StartAsync();

        var after = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{control.DefaultRef}");
        Assert.Equal(before.GetRawText(), after.GetRawText());
        var projects = await control.SendForJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.Equal(1, projects.GetArrayLength());
        // One row per system migration, each recorded once however often Control starts.
        Assert.Equal(PreEfSystemDatabase.EfMigrations, await ControlAssert.ScalarAsync<long>(control.SystemConnectionString, """SELECT count(*) FROM madbase."__EFMigrationsHistory" """));
    }

    [Fact]
    public async Task Start_WithAuthJwtSecret_SignsDefaultKeysWithIt()
    {
        const string secret = "the-configured-secret-of-the-default-project";
        var systemDatabase = ControlProcess.NewSystemDatabaseName();
        await postgres.EnsureDatabaseAsync(systemDatabase);
        await using var control = ControlProcess.Create(
            postgres, systemDatabase, new Dictionary<string, string?> { ["Auth__JwtSecret"] = secret });

        await control.StartAsync();

        var project = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{control.DefaultRef}");
        Assert.Equal(secret, project.GetProperty("jwt_secret").GetString());
        await ControlAssert.ApiKeyAsync(project.GetProperty("anon_key").GetString()!, secret, "anon", control.DefaultRef);
        await ControlAssert.ApiKeyAsync(project.GetProperty("service_role_key").GetString()!, secret, "service_role", control.DefaultRef);
    }

    [Fact]
    public async Task Start_TwoInstancesAtOnce_CreateOneDefaultProject()
    {
        var systemDatabase = ControlProcess.NewSystemDatabaseName();
        await postgres.EnsureDatabaseAsync(systemDatabase);
        var shared = new Dictionary<string, string?> { ["Projects__DefaultRef"] = ControlProcess.UniqueRef("race") };
        await using var first = ControlProcess.Create(postgres, systemDatabase, shared);
        await using var second = ControlProcess.Create(postgres, systemDatabase, shared);

        await Task.WhenAll(first.StartAsync(), second.StartAsync());

        var fromFirst = await first.SendForJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        var fromSecond = await second.SendForJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.Equal(1, fromFirst.GetArrayLength());
        Assert.Equal(fromFirst.GetRawText(), fromSecond.GetRawText());
    }

    [Fact]
    public async Task PublicUrl_IsTheBaseOfNewProjectsApiExternalUrl_UnlessTheRequestSetsOne()
    {
        var systemDatabase = ControlProcess.NewSystemDatabaseName();
        await postgres.EnsureDatabaseAsync(systemDatabase);
        await using var control = ControlProcess.Create(
            postgres, systemDatabase, new Dictionary<string, string?> { ["Projects__PublicUrl"] = "https://{ref}.example.test/" });
        await control.StartAsync();

        var defaultProject = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{control.DefaultRef}");
        var created = await control.SendForJsonAsync(HttpMethod.Post, "/admin/v1/projects", """{"name":"Public","settings":{"auth":{"site_url":"https://app.example.test"}}}""");
        var explicitUrl = await control.SendForJsonAsync(
            HttpMethod.Post, "/admin/v1/projects", """{"name":"Explicit","settings":{"auth":{"api_external_url":"https://auth.example.test/auth/v1"}}}""");

        Assert.Equal($"https://{control.DefaultRef}.example.test/auth/v1", ApiExternalUrl(defaultProject));
        var createdRef = created.GetProperty("ref").GetString();
        Assert.Equal($"https://{createdRef}.example.test/auth/v1", ApiExternalUrl(created));
        Assert.Equal("https://app.example.test", created.GetProperty("settings").GetProperty("auth").GetProperty("site_url").GetString());
        Assert.Equal("https://auth.example.test/auth/v1", ApiExternalUrl(explicitUrl));

        static string? ApiExternalUrl(System.Text.Json.JsonElement project) =>
            project.GetProperty("settings").GetProperty("auth").GetProperty("api_external_url").GetString();
    }

    [Theory]
    [InlineData("Admin__Password", null)]
    [InlineData("Admin__Password", "")]
    [InlineData("Auth__JwtSecret", "too-short")]
    [InlineData("Projects__DefaultRef", "Not A Ref")]
    [InlineData("Projects__PublicUrl", "ftp://example.com")]
    [InlineData("Projects__PublicUrl", "not a url")]
    public async Task Start_WithBadSetting_ExitsNamingIt(string variable, string? value)
    {
        await using var control = ControlProcess.Create(postgres, environment: new Dictionary<string, string?> { [variable] = value });

        var failure = await Assert.ThrowsAsync<LocalStackException>(control.StartAsync);

        Assert.Contains(variable, failure.Message, StringComparison.Ordinal);
    }
}
