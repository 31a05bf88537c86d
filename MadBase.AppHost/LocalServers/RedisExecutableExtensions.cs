using MadBase.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace MadBase.AppHost.LocalServers;

/// <summary>
/// Redis as an executable resource: nothing persisted (it holds only caches, rate-limit counters and
/// pub/sub, as in the CLI's local stack), health-checked with a real PING.
/// </summary>
internal static class RedisExecutableExtensions
{
    public static IResourceBuilder<RedisExecutableResource> AddRedisExecutable(
        this IDistributedApplicationBuilder builder, string name, string workingDirectory)
    {
        string redisServer = RedisServer.FindExecutable()
            ?? throw new DistributedApplicationException(
                "redis-server was not found on PATH: apt-get install -y redis-server, or run the containers (MadBase__Containers=true).");
        Directory.CreateDirectory(workingDirectory);
        var redis = new RedisExecutableResource(name, redisServer, workingDirectory);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, cancellationToken) =>
            connectionString = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken));
        string healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException("The connection string is not known yet."),
            name: healthCheckKey);

        return builder.AddResource(redis)
            .WithEndpoint(name: RedisExecutableResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(
                "--port", redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort), "--bind", "127.0.0.1",
                "--save", string.Empty, "--appendonly", "no", "--daemonize", "no")
            .WithIconName("Memory")
            .WithHealthCheck(healthCheckKey);
    }
}
