using MadBase.Cli;

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// A private Postgres cluster on a free port, plus Redis when redis-server is installed, shared by the
/// tests of the "postgres" collection and stopped after them.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private TempDirectory? directory;
    private PostgresCluster? cluster;
    private RedisServer? redis;

    /// <summary>The system database, created by the fixture, as Control uses it.</summary>
    public string SystemConnectionString => ConnectionString(Cli.LocalStack.SystemDatabase);

    /// <summary>StackExchange.Redis configuration string, or null when Redis is not installed.</summary>
    public string? RedisConnectionString => redis?.ConnectionString;

    internal PostgresCluster Cluster => cluster ?? throw new InvalidOperationException("The cluster is not started.");

    /// <summary>Npgsql connection string to a database of the cluster, as the superuser.</summary>
    public string ConnectionString(string database)
    {
        return Cluster.ConnectionString(database);
    }

    /// <summary>Creates the database unless it exists.</summary>
    public Task EnsureDatabaseAsync(string database)
    {
        return Cluster.EnsureDatabaseAsync(database, CancellationToken.None);
    }

    public async Task InitializeAsync()
    {
        directory = TempDirectory.Create("mbpg");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            int[] ports = FreePorts.Take(2);
            cluster = await PostgresCluster.StartAsync(
                new PostgresClusterOptions(directory.Combine("pg"), ports[0], StackSecrets.NewPassword())
                {
                    LogFile = directory.Combine("postgres.log"),
                    SkipFsync = true,
                },
                timeout.Token);
            await cluster.EnsureDatabaseAsync(Cli.LocalStack.SystemDatabase, timeout.Token);
            if (RedisServer.FindExecutable() is { } redis)
            {
                this.redis = await RedisServer.StartAsync(
                    redis, ports[1], directory.FullPath, directory.Combine("redis.log"), timeout.Token);
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (redis is not null)
        {
            await redis.DisposeAsync();
        }

        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        directory?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
