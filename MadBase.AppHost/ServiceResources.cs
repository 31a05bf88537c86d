namespace MadBase.AppHost;

internal static class ServiceResources
{
    /// <summary>
    /// A MadBase service (Control, a Worker, the Gateway) as a project resource, with what all three share:
    /// <list type="bullet">
    /// <item>only the contract's variables from what it references (connection strings and service addresses:
    /// what deploy/docker-compose.yml writes), without Aspire's MADBASE_PASSWORD, REDIS_URI and the like;</item>
    /// <item>when run here, an OTLP export timeout of 2 s instead of 10: when the dashboard has gone first (the
    /// AppHost stopping, or tests without one) the exporters' last flush otherwise holds each service 10 s and more,
    /// longer than DCP waits for a process to stop.</item>
    /// </list>
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
    {
        return builder.AddProject<TProject>(name)
            .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery)
            .WithEnvironment(context =>
            {
                if (context.ExecutionContext.IsRunMode)
                {
                    context.EnvironmentVariables["OTEL_EXPORTER_OTLP_TIMEOUT"] = "2000";
                }
            });
    }
}
