using MadBase.Cli;

namespace MadBase.AppHost;

internal static class ServiceResources
{
    /// <summary>
    /// A MadBase service (Control, a Worker, the Gateway) as a project resource, with only the contract's variables
    /// from what it references (connection strings and service addresses: what deploy/docker-compose.yml writes),
    /// without Aspire's MADBASE_PASSWORD, REDIS_URI and the like, and with the runtime settings every service runs
    /// with (ServiceRuntimeSettings). Telemetry needs nothing here: the services flush it within a bounded time when
    /// they stop, dashboard or not (ServiceDefaults' Telemetry/TelemetryShutdown.cs).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        IResourceBuilder<ProjectResource> service = builder.AddProject<TProject>(name)
            .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery);
        foreach ((string key, string value) in ServiceRuntimeSettings.Environment)
        {
            service.WithEnvironment(key, value);
        }

        return service;
    }

    /// <summary>Redis's connection string and a wait for it, or nothing when the stack runs without Redis.</summary>
    public static IResourceBuilder<ProjectResource> WithRedis(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString>? redis)
    {
        return redis is null ? service : service.WithReference(redis).WaitFor(redis);
    }
}
