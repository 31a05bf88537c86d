using System.Security.Cryptography;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Worker;

/// <summary>Project records and databases for tests that exercise the Worker's pieces without Control.</summary>
internal static class TestProjects
{
    public static Project New()
    {
        var projectRef = ProjectRefs.New();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var now = DateTimeOffset.UtcNow;
        return new Project(
            projectRef,
            "test " + projectRef,
            "project_" + projectRef,
            null,
            secret,
            JwtIssuer.ApiKey(projectRef, "anon", secret, now),
            JwtIssuer.ApiKey(projectRef, "service_role", secret, now),
            Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            new ProjectSettings(),
            now);
    }

    /// <summary>Creates the database and applies the platform bootstrap, as Control does for a new project.</summary>
    public static async Task CreateDatabaseAsync(PostgresFixture postgres, Project project)
    {
        await using (var system = new NpgsqlConnection(postgres.SystemConnectionString))
        {
            await system.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{project.DatabaseName}\"", system);
            await create.ExecuteNonQueryAsync();
        }

        await TenantMigrator.ApplyAsync(
            TenantConnections.Admin(project, postgres.SystemConnectionString), project, [new PlatformMigrations()], CancellationToken.None);
    }
}
