using System.Text.Json;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Control;

/// <summary>
/// The system database's EF migrations against databases Control made before it used EF: the same schema, and an
/// upgrade in place that keeps every project, key and setting.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SystemMigrationTests(PostgresFixture postgres)
{
    private const string CountEfHistory = """SELECT count(*) FROM madbase."__EFMigrationsHistory" """;

    [Fact]
    public async Task Migrate_FreshDatabase_MakesExactlyThePreEfSchema()
    {
        var preEf = postgres.ConnectionString(await PreEfSystemDatabase.RestoreAsync(postgres));
        await using var control = await ControlProcess.StartAsync(postgres);

        var expected = await PreEfSystemDatabase.DescribeAsync(preEf);
        var migrated = await PreEfSystemDatabase.DescribeAsync(control.SystemConnectionString);

        Assert.Contains("constraint projects projects_signing_keys_check", expected, StringComparison.Ordinal);
        Assert.Equal(expected, migrated);
        Assert.True(await ControlAssert.ScalarAsync<bool>(control.SystemConnectionString, "SELECT to_regclass('madbase.function_versions') IS NOT NULL"));
    }

    [Fact]
    public async Task Start_PreEfDatabase_BaselinesAndKeepsProjectsKeysAndSettings()
    {
        var database = await PreEfSystemDatabase.RestoreAsync(postgres);
        var connectionString = postgres.ConnectionString(database);
        var rowsBefore = await PreEfSystemDatabase.ProjectRowsAsync(connectionString);
        var schemaBefore = await PreEfSystemDatabase.DescribeAsync(connectionString);
        await using var control = ControlProcess.Create(postgres, database);

        await control.StartAsync();

        // Recorded as applied, not run again: the rows and the schema are untouched, the old ledger kept.
        Assert.Equal(rowsBefore, await PreEfSystemDatabase.ProjectRowsAsync(connectionString));
        Assert.Equal(schemaBefore, await PreEfSystemDatabase.DescribeAsync(connectionString));
        Assert.Equal(PreEfSystemDatabase.EfMigrations, await ControlAssert.ScalarAsync<long>(connectionString, CountEfHistory));
        Assert.Equal(2L, await ControlAssert.ScalarAsync<long>(connectionString, "SELECT count(*) FROM madbase.schema_migrations"));
        var projects = await control.SendForJsonAsync(HttpMethod.Get, "/admin/v1/projects");
        Assert.Equal(
            [PreEfSystemDatabase.DefaultRef, PreEfSystemDatabase.KeysRef],
            projects.EnumerateArray().Select(p => p.GetProperty("ref").GetString()));
        var project = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{PreEfSystemDatabase.KeysRef}");
        Assert.Equal("Keys kept across upgrade (renamed)", project.GetProperty("name").GetString());
        foreach (var column in new[] { "anon_key", "service_role_key", "jwt_secret" })
        {
            Assert.Equal(
                await ControlAssert.ScalarAsync<string>(connectionString, $"SELECT {column} FROM madbase.projects WHERE ref = $1", PreEfSystemDatabase.KeysRef),
                project.GetProperty(column).GetString());
        }

        var auth = project.GetProperty("settings").GetProperty("auth");
        Assert.Equal("RS256", auth.GetProperty("jwt_signing").GetProperty("algorithm").GetString());
        Assert.Equal("Join {{ .SiteURL }} — ünïcode", auth.GetProperty("mail_templates").GetProperty("invite").GetProperty("subject").GetString());
        Assert.Equal(["current", "previous"], Statuses(project).Values.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Start_PreEfDatabase_ThenWritesAndRestarts()
    {
        var database = await PreEfSystemDatabase.RestoreAsync(postgres);
        await using var control = await ControlProcess.StartAsync(postgres, database);
        var before = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{PreEfSystemDatabase.KeysRef}");
        var oldCurrent = Statuses(before).Single(k => k.Value == "current").Key;

        var renamed = await control.SendForJsonAsync(
            HttpMethod.Patch, $"/admin/v1/projects/{PreEfSystemDatabase.KeysRef}", """{"name":"Upgraded","settings":{"auth":{"jwt_expiry_seconds":900}}}""");
        var rotated = await control.SendForJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{PreEfSystemDatabase.KeysRef}/jwt_signing/rotate");
        await control.StopAsync();
        await control.StartAsync();

        Assert.Equal("Upgraded", renamed.GetProperty("name").GetString());
        Assert.Equal(900, rotated.GetProperty("settings").GetProperty("auth").GetProperty("jwt_expiry_seconds").GetInt32());
        Assert.Equal("previous", Statuses(rotated)[oldCurrent]);
        var after = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{PreEfSystemDatabase.KeysRef}");
        Assert.Equal(rotated.GetRawText(), after.GetRawText());
        Assert.Equal(PreEfSystemDatabase.EfMigrations, await ControlAssert.ScalarAsync<long>(control.SystemConnectionString, CountEfHistory));
    }

    [Fact]
    public async Task Start_PreEfDatabaseBeforeSigningKeys_AppliesOnlyTheSigningKeysMigration()
    {
        var database = await PreEfSystemDatabase.RestoreAsync(postgres);
        var connectionString = postgres.ConnectionString(database);
        await PreEfSystemDatabase.ExecuteAsync(
            connectionString, "ALTER TABLE madbase.projects DROP COLUMN signing_keys; DELETE FROM madbase.schema_migrations WHERE version = 2");
        var intact = postgres.ConnectionString(await PreEfSystemDatabase.RestoreAsync(postgres));

        await using var control = await ControlProcess.StartAsync(postgres, database);

        Assert.Equal(
            await PreEfSystemDatabase.DescribeAsync(intact, columnOrder: false),
            await PreEfSystemDatabase.DescribeAsync(connectionString, columnOrder: false));
        Assert.Equal(PreEfSystemDatabase.EfMigrations, await ControlAssert.ScalarAsync<long>(connectionString, CountEfHistory));
        var project = await control.SendForJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{PreEfSystemDatabase.DefaultRef}");
        Assert.Equal(
            await ControlAssert.ScalarAsync<string>(connectionString, "SELECT anon_key FROM madbase.projects WHERE ref = $1", PreEfSystemDatabase.DefaultRef),
            project.GetProperty("anon_key").GetString());
        Assert.Equal(0, project.GetProperty("signing_keys").GetArrayLength());
    }

    [Fact]
    public async Task Start_TwoInstancesAtOnceOnPreEfDatabase_BaselineOnce()
    {
        var database = await PreEfSystemDatabase.RestoreAsync(postgres);
        await using var first = ControlProcess.Create(postgres, database);
        await using var second = ControlProcess.Create(postgres, database);

        await Task.WhenAll(first.StartAsync(), second.StartAsync());

        Assert.Equal(PreEfSystemDatabase.EfMigrations, await ControlAssert.ScalarAsync<long>(first.SystemConnectionString, CountEfHistory));
        Assert.Equal(2, (await second.SendForJsonAsync(HttpMethod.Get, "/admin/v1/projects")).GetArrayLength());
    }

    [Fact]
    public async Task Start_PreEfLedgerWithUnknownStep_ExitsNamingIt()
    {
        var database = await PreEfSystemDatabase.RestoreAsync(postgres);
        await PreEfSystemDatabase.ExecuteAsync(
            postgres.ConnectionString(database), "INSERT INTO madbase.schema_migrations (version, name) VALUES (3, 'from a newer release')");
        await using var control = ControlProcess.Create(postgres, database);

        var failure = await Assert.ThrowsAsync<LocalStackException>(control.StartAsync);

        Assert.Contains("step 3", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await ControlAssert.ScalarAsync<long>(
            postgres.ConnectionString(database), """SELECT count(*) FROM pg_tables WHERE tablename = '__EFMigrationsHistory'"""));
    }

    private static Dictionary<string, string> Statuses(JsonElement project) =>
        project.GetProperty("signing_keys").EnumerateArray()
            .ToDictionary(k => k.GetProperty("kid").GetString()!, k => k.GetProperty("status").GetString()!);
}
