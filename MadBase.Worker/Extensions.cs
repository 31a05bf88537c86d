using MadBase.ServiceDefaults.Projects;
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

        builder.Services.AddSingleton<TenantDatabases>();
        builder.Services.AddSingleton<TenantRequestResolver>();
        builder.Services.AddSingleton<TenantScope>();
        return builder;
    }
}
