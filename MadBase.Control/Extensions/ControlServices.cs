using System.Text.Json;
using MadBase.Control.Admin;
using MadBase.Control.Projects;
using MadBase.Control.SystemDb;
using MadBase.ServiceDefaults.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MadBase.Control.Extensions;

internal static class ControlServices
{
    public static void AddControlServices(this IHostApplicationBuilder builder)
    {
        AdminOptions.Register(builder.Services);
        DefaultProjectOptions.Register(builder.Services);
        ProjectDefaultsOptions.Register(builder.Services);

        // The admin API speaks snake_case, as Supabase's management API and the stored settings do.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        // madbase.projects through EF (pooled contexts, Npgsql tracing and metrics). Without retries: creating a
        // project spans a transaction and a CREATE DATABASE, which must not be replayed behind the caller's back.
        // The system database's health is ServiceDefaults' "postgres" check, so Aspire's second one is not added.
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

        builder.Services.AddSingleton<AdminCredentials>();
        builder.Services.AddSingleton<ProjectChanges>();
        builder.Services.AddScoped<ProjectStore>();
        builder.Services.AddScoped<ProjectCreation>();
        builder.Services.AddScoped<ProjectDeletion>();

        // Hosted services start in this order, and all before Kestrel accepts a request.
        builder.Services.AddHostedService<SystemMigrator>();
        builder.Services.AddHostedService<DefaultProject>();
    }
}
