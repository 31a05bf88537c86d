using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace MadBase.ServiceDefaults.Database;

internal static class SystemDatabaseRegistration
{
    /// <summary>Aspire.Npgsql's data source for <c>ConnectionStrings__madbase</c>, and <see cref="SystemDatabase"/> over it.</summary>
    public static IHostApplicationBuilder AddSystemDatabase(this IHostApplicationBuilder builder)
    {
        string? connectionString = null;
        builder.AddNpgsqlDataSource(
            SystemDatabase.ConnectionName,
            settings =>
            {
                // Our own check (Health/HealthChecks.cs) is the readiness check: it gives up after 1.5 s so /health
                // answers before the gateway's probe does; Aspire's waits as long as the connection attempt does.
                settings.DisableHealthChecks = true;
                connectionString = settings.ConnectionString;
            },
            dataSource => dataSource.Name = "madbase-system");

        builder.Services.AddSingleton(sp => new SystemDatabase(
            sp.GetRequiredService<NpgsqlDataSource>(),
            string.IsNullOrWhiteSpace(connectionString)
                ? throw new InvalidOperationException(
                    "ConnectionStrings__madbase is not set: give the Npgsql connection string of the system database.")
                : connectionString));
        return builder;
    }
}
