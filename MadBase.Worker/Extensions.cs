using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Auth;
using MadBase.Worker.Realtime;
using MadBase.Worker.Realtime.Changes;
using MadBase.Worker.Rest;
using MadBase.Worker.Storage;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker;

internal static class Extensions
{
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration("Worker")
            .Validate(o => o.MaxPoolSizePerProject is > 0 and <= 1000, "Worker__MaxPoolSizePerProject must be between 1 and 1000")
            .ValidateOnStart();

        // Migrations run in this order for every project; modules add theirs after the platform's.
        builder.Services.AddSingleton<ITenantMigrationSource, PlatformMigrations>();
        builder.AddAuthModule();

        builder.Services.AddSingleton<ProjectDatabaseHealth>();
        builder.Services.AddHealthChecks().AddCheck<ProjectDatabasesHealthCheck>("projects", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddSingleton<TenantDatabases>();
        builder.Services.AddSingleton<TenantRequestResolver>();
        builder.AddRestModule();
        builder.AddStorageModule();
        builder.AddRealtimeModule();
        builder.AddRealtimeChanges();
        return builder;
    }
}
