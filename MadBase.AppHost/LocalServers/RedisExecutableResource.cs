namespace MadBase.AppHost.LocalServers;

/// <summary>redis-server from PATH, the executable twin of Aspire's Redis container (loopback only, no password).</summary>
internal sealed class RedisExecutableResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    private EndpointReference? endpoint;

    public EndpointReference PrimaryEndpoint => endpoint ??= new(this, EndpointName);

    /// <summary>A StackExchange.Redis configuration string, as the services read ConnectionStrings__redis.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.IPV4Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
