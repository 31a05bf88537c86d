using System.Text.RegularExpressions;
using MadBase.Cli;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MadBase.AppHost.LocalServers;

/// <summary>
/// Postgres as an executable resource, for machines without a container engine: the CLI's initdb on first
/// start (<see cref="PostgresInitdb"/>), then the postmaster under DCP, health-checked with a real
/// <c>SELECT 1</c>, and its databases created once it is ready, as Aspire does for its container.
/// </summary>
internal static partial class PostgresExecutableExtensions
{
    // As the CLI's local stack runs it (PostgresCluster): loopback only, no Unix socket (nothing needs one, and
    // socket paths are limited to 107 bytes), UTC as Supabase's databases, room for a pool per tenant per worker,
    // and logical replication for Realtime's Postgres changes.
    private static readonly Dictionary<string, string> Settings = new(LogicalReplicationSettings.Values, StringComparer.Ordinal)
    {
        ["listen_addresses"] = "127.0.0.1",
        ["unix_socket_directories"] = string.Empty,
        ["timezone"] = "UTC",
        ["max_connections"] = ConnectionLimits.MaxConnections,
    };

    public static IResourceBuilder<PostgresExecutableResource> AddPostgresExecutable(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ParameterResource> password,
        string clusterDirectory,
        string binDirectory = PostgresClusterOptions.DefaultBinDirectory)
    {
        string postgres = Path.Combine(binDirectory, "postgres");
        if (!File.Exists(postgres))
        {
            throw new DistributedApplicationException(
                $"PostgreSQL 15 server binaries were not found ({postgres} is missing): apt-get install -y postgresql-15, "
                + "or run the containers (MadBase__Containers=true).");
        }

        // Postgres refuses to run as root. setpriv (the CLI's ServerAccount) changes user and then execs, so the
        // process DCP starts and signals is the postmaster itself; runuser would stay in between as a parent.
        ServerAccount? account = ServerAccount.ForPostgres();
        string command = account is null ? postgres : ProcessLaunch.FindOnPath("setpriv") ?? "setpriv";
        string[] prefix = account is null ? [] : [.. account.CommandPrefix().Skip(1), postgres];
        var server = new PostgresExecutableResource(name, command, Path.GetFullPath(clusterDirectory), password.Resource);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, cancellationToken) =>
            connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken));
        // Without pooling: an idle connection of ours would hold up the server's shutdown.
        string healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => (connectionString ?? throw new InvalidOperationException("The connection string is not known yet."))
                + ";Database=postgres;Pooling=false",
            name: healthCheckKey);
        builder.Services.AddHostedService(_ => new PostgresFastShutdown(server));

        // No DCP proxy in front: the port on the postmaster's command line is the one clients connect to, as in
        // the CLI's stack; DCP still picks it (from its proxy-less range) and the tests randomise it.
        return builder.AddResource(server)
            .WithEndpoint(name: PostgresExecutableResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs([
                .. prefix,
                "-D", server.ClusterDirectory,
                "-p", server.PrimaryEndpoint.Property(EndpointProperty.TargetPort),
                .. Settings.SelectMany(setting => (string[])["-c", $"{setting.Key}={setting.Value}"]),
            ])
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(healthCheckKey)
            .OnBeforeResourceStarted((resource, @event, cancellationToken) =>
                PrepareClusterAsync(resource, binDirectory, account, @event.Services, cancellationToken))
            .OnResourceReady((resource, @event, cancellationToken) => CreateDatabasesAsync(resource, cancellationToken));
    }

    public static IResourceBuilder<PostgresExecutableDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresExecutableResource> builder, string name, string? databaseName = null)
    {
        databaseName ??= name;
        if (!PlainName().IsMatch(databaseName))
        {
            throw new ArgumentException($"'{databaseName}' is not a plain lower-case database name.", nameof(databaseName));
        }

        builder.Resource.Databases[name] = databaseName;
        var database = new PostgresExecutableDatabaseResource(name, databaseName, builder.Resource);

        string? connectionString = null;
        builder.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(database, async (_, cancellationToken) =>
            connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken));
        string healthCheckKey = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => (connectionString ?? throw new InvalidOperationException("The connection string is not known yet."))
                + ";Pooling=false",
            name: healthCheckKey);

        return builder.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgresDatabase", State = KnownResourceStates.NotStarted, Properties = [] })
            .WithIconName("Database")
            .WithHealthCheck(healthCheckKey)
            .OnInitializeResource(FollowServerStateAsync);
    }

    /// <summary>
    /// Aspire passes a server's state on to its databases only when the server is a container; here the database
    /// follows its executable server the same way, so its health check starts once the server runs.
    /// </summary>
    private static async Task FollowServerStateAsync(
        PostgresExecutableDatabaseResource database, InitializeResourceEvent @event, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ResourceEvent update in @event.Notifications.WatchAsync(cancellationToken))
            {
                if (ReferenceEquals(update.Resource, database.Parent))
                {
                    await @event.Notifications.PublishUpdateAsync(database, snapshot => snapshot with
                    {
                        State = update.Snapshot.State,
                        StartTimeStamp = update.Snapshot.StartTimeStamp,
                        StopTimeStamp = update.Snapshot.StopTimeStamp,
                    });
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>Creates the cluster on first start and clears a postmaster.pid a killed run left behind.</summary>
    private static async Task PrepareClusterAsync(
        PostgresExecutableResource server,
        string binDirectory,
        ServerAccount? account,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        ILogger logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
        if (!PostgresCluster.IsInitialized(server.ClusterDirectory))
        {
            LogCreatingCluster(logger, server.ClusterDirectory);
            string password = await server.PasswordParameter.GetValueAsync(cancellationToken)
                ?? throw new DistributedApplicationException($"The parameter '{server.PasswordParameter.Name}' has no value.");
            var options = new PostgresClusterOptions(server.ClusterDirectory, Port: 0, password) { BinDirectory = binDirectory };
            await PostgresInitdb.RunAsync(options, Path.Combine(binDirectory, "initdb"), account, cancellationToken);
        }

        await PostmasterPidFile.ClearIfStaleAsync(server.ClusterDirectory, cancellationToken);
    }

    private static async Task CreateDatabasesAsync(PostgresExecutableResource server, CancellationToken cancellationToken)
    {
        string serverConnectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken)
            ?? throw new DistributedApplicationException($"'{server.Name}' is ready but has no connection string.");
        await using var connection = new NpgsqlConnection(serverConnectionString + ";Database=postgres;Pooling=false");
        await connection.OpenAsync(cancellationToken);
        foreach (string database in server.Databases.Values)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.Add(new NpgsqlParameter { Value = database });
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                // A plain name (checked in AddDatabase), so quoting it is enough.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PlainName();

    [LoggerMessage(EventId = EventIds.PostgresClusterCreating, Level = LogLevel.Information, Message = "Creating a Postgres cluster in {ClusterDirectory}")]
    private static partial void LogCreatingCluster(ILogger logger, string clusterDirectory);
}
