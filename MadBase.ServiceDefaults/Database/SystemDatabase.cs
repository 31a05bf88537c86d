using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace MadBase.ServiceDefaults.Database;

/// <summary>
/// The system database (projects, keys): <c>ConnectionStrings__madbase</c>, required by every service. Its data
/// source is Aspire.Npgsql's (logging, tracing and metrics wired); this type names it and keeps the full
/// connection string, from which tenant connections in the same cluster are derived.
/// </summary>
public sealed class SystemDatabase(NpgsqlDataSource dataSource, string connectionString)
{
    public const string ConnectionName = "madbase";

    /// <summary>Owned by the container (Aspire registers it), which disposes it.</summary>
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>The configured connection string, password included (the data source's own omits it).</summary>
    public string ConnectionString { get; } = connectionString;

    internal static void Add(IHostApplicationBuilder builder)
    {
        string? connectionString = null;
        builder.AddNpgsqlDataSource(
            ConnectionName,
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
    }
}
