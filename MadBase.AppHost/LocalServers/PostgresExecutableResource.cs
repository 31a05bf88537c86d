namespace MadBase.AppHost.LocalServers;

/// <summary>
/// A private Postgres cluster run from the installed server binaries, the executable twin of Aspire's
/// Postgres container: the same superuser ('postgres'), a password parameter, one TCP endpoint.
/// </summary>
internal sealed class PostgresExecutableResource(
    string name, string command, string clusterDirectory, ParameterResource password)
    : ExecutableResource(name, command, clusterDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";
    public const string Superuser = "postgres";

    private EndpointReference? endpoint;

    /// <summary>initdb's -D; also the server's working directory, which is how a stale postmaster.pid is told apart.</summary>
    public string ClusterDirectory { get; } = clusterDirectory;

    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => endpoint ??= new(this, EndpointName);

    /// <summary>The databases to create once the server is ready, by resource name.</summary>
    public Dictionary<string, string> Databases { get; } = new(StringComparer.Ordinal);

    /// <summary>Server-wide, as Aspire's own Postgres resource: no database named.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.IPV4Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={Superuser};Password={PasswordParameter}");
}

/// <summary>One database of a <see cref="PostgresExecutableResource"/>; its connection string is what services are given.</summary>
internal sealed class PostgresExecutableDatabaseResource(string name, string databaseName, PostgresExecutableResource parent)
    : Resource(name), IResourceWithParent<PostgresExecutableResource>, IResourceWithConnectionString
{
    public PostgresExecutableResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
