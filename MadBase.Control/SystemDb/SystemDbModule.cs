using MadBase.ServiceDefaults.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MadBase.Control.SystemDb;

internal static class SystemDbModule
{
    /// <summary>madbase.projects through EF, migrated before Kestrel accepts a request.</summary>
    public static IHostApplicationBuilder AddSystemDbModule(this IHostApplicationBuilder builder)
    {
        // Pooled contexts, Npgsql tracing and metrics. Without retries: creating a project spans a transaction
        // and a CREATE DATABASE, which must not be replayed behind the caller's back. The system database's
        // health is ServiceDefaults' "postgres" check, so Aspire's second one is not added.
        builder.AddNpgsqlDbContext<ControlDb>(
            SystemDatabase.ConnectionName,
            settings =>
            {
                settings.DisableRetry = true;
                settings.DisableHealthChecks = true;
            },
            options => options
                .UseNpgsql(ControlDb.ConfigureNpgsql)
                // A failed command reaches its caller, which answers the expected ones (a taken ref, a lost update
                // race) and leaves the rest to the error middleware's log: EF logging them as errors too is noise.
                .ConfigureWarnings(w => w.Log(
                    (RelationalEventId.CommandError, LogLevel.Debug),
                    (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                    (CoreEventId.OptimisticConcurrencyException, LogLevel.Debug))));

        builder.Services.AddHostedService<SystemMigrator>();
        return builder;
    }
}
