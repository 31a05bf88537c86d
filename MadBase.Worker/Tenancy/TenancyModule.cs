using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Tenancy;

internal static class TenancyModule
{
    /// <summary>
    /// What every module's handlers stand on: the request's <see cref="Tenant"/>, one connection pool per project
    /// (<see cref="TenantDatabases"/>) and the platform's part of every project's schema, migrated first.
    /// </summary>
    public static IHostApplicationBuilder AddTenancy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section)
            .Validate(o => o.MaxPoolSizePerProject is > 0 and <= 1000, "Worker__MaxPoolSizePerProject must be between 1 and 1000")
            .Validate(o => o.MaxConnections is > 0 and <= 10000, "Worker__MaxConnections must be between 1 and 10000")
            .Validate(o => o.ProjectIdleSeconds > 0, "Worker__ProjectIdleSeconds must be positive")
            .ValidateOnStart();

        builder.Services.AddSingleton<ITenantMigrationSource, PlatformMigrations>();
        builder.Services.AddSingleton<ProjectDatabaseHealth>();
        builder.Services.AddHealthChecks().AddCheck<ProjectDatabasesHealthCheck>("projects", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddSingleton<PoolConnectionCounts>();
        builder.Services.AddSingleton<ConnectionBudget>();
        builder.Services.AddSingleton<TenantDatabases>();
        builder.Services.AddHostedService<IdleProjectPools>();
        builder.Services.AddSingleton<TenantRequestResolver>();
        return builder;
    }
}
