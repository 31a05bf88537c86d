using System.Globalization;
using System.Text.RegularExpressions;

using MadBase.Cli.Supervision;
using Npgsql;

namespace MadBase.Cli;

/// <summary>
/// A private Postgres cluster from the installed server binaries: initdb on first start, then the server
/// as our child process on 127.0.0.1 only (no Unix socket), stopped with a fast shutdown.
/// </summary>
internal sealed partial class PostgresCluster : ISupervisedServer, IAsyncDisposable
{
    public const string Superuser = "postgres";

    private readonly PostgresClusterOptions options;
    private IServerProcess? server;

    private PostgresCluster(PostgresClusterOptions options)
    {
        this.options = options;
    }

    public int Port => options.Port;

    public string DataDirectory => options.DataDirectory;

    public string Password => options.SuperuserPassword;

    public string Name => "postgres";

    public bool IsRunning => server is { HasExited: false };

    /// <summary>The postmaster's pid (tests kill it to leave a stale postmaster.pid behind).</summary>
    public int? ProcessId => server?.Id;

    /// <summary>Our child, or the postmaster of a `pg_ctl restart` once adopted (see <see cref="RecoverAsync"/>).</summary>
    public IServerProcess? Process => server;

    public static bool IsInitialized(string dataDirectory)
    {
        return File.Exists(Path.Combine(dataDirectory, "PG_VERSION"));
    }

    public static async Task<PostgresCluster> StartAsync(PostgresClusterOptions options, CancellationToken cancellationToken)
    {
        var cluster = new PostgresCluster(options with { DataDirectory = Path.GetFullPath(options.DataDirectory) });
        await cluster.StartAsync(cancellationToken);
        return cluster;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            return;
        }

        string postgres = Binary("postgres");
        PortCheck.EnsureFree(Port, "Postgres", "--db-port");
        ServerAccount? account = ServerAccount.ForPostgres();
        if (!IsInitialized(DataDirectory))
        {
            await PostgresInitdb.RunAsync(options, Binary("initdb"), account, cancellationToken);
        }

        await PostmasterPidFile.ClearIfStaleAsync(DataDirectory, cancellationToken);
        var startInfo = ProcessLaunch.Create(postgres, ServerArguments(), account, DataDirectory);
        ChildProcess server = ChildProcess.Start(Name, startInfo, options.LogFile, NativeMethods.SigInt, StopTimeout);
        this.server = server;
        try
        {
            await WaitUntilReadyAsync(server, cancellationToken);
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
    }

    /// <summary>
    /// Brings Postgres back after its postmaster exited without our asking. Someone's `pg_ctl restart`
    /// starts a new postmaster a moment after the old one exits, from postmaster.opts (our port and
    /// settings): that one is adopted rather than raced for the data directory. Only when none shows up
    /// within <see cref="PostgresClusterOptions.ExternalRestartWindow"/> do we start our own.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + options.ExternalRestartWindow;
        while (DateTime.UtcNow < deadline)
        {
            if (PostmasterPidFile.RunningPostmaster(DataDirectory) is { } pid
                && AdoptedProcess.Adopt(Name, pid, NativeMethods.SigInt, StopTimeout) is { } adopted)
            {
                server = adopted;
                await WaitUntilReadyAsync(adopted, cancellationToken);
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        await StartAsync(cancellationToken);
    }

    public string ConnectionString(string database)
    {
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Host=127.0.0.1;Port={Port};Username={Superuser};Password={Password};Database={database}");
    }

    public string Url(string database)
    {
        return string.Create(
            CultureInfo.InvariantCulture,
            $"postgresql://{Superuser}:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}/{Uri.EscapeDataString(database)}");
    }

    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        if (!DatabaseName().IsMatch(database))
        {
            throw new ArgumentException($"'{database}' is not a plain lower-case database name.", nameof(database));
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public IReadOnlyList<string> RecentOutput()
    {
        // An adopted postmaster writes to whoever started it, not to us.
        return (server as ChildProcess)?.RecentOutput() ?? [];
    }

    public async Task StopAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
    }

    private static TimeSpan StopTimeout => TimeSpan.FromSeconds(30);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();

    private string Binary(string name)
    {
        string path = Path.Combine(options.BinDirectory, name);
        if (!File.Exists(path))
        {
            throw new LocalStackException(
                $"PostgreSQL 15 server binaries were not found ({path} is missing). "
                + "Install them with: apt-get install -y postgresql-15");
        }

        return path;
    }

    private IEnumerable<string> ServerArguments()
    {
        var settings = new Dictionary<string, string>
        {
            ["listen_addresses"] = "127.0.0.1",
            // No Unix socket: nothing needs one, and socket paths are limited to 107 bytes.
            ["unix_socket_directories"] = string.Empty,
            // As Supabase's databases: timestamptz values render as +00:00 whatever the host's zone (initdb takes it from the host).
            ["timezone"] = "UTC",
        };
        foreach ((string name, string value) in LogicalReplicationSettings.Values)
        {
            settings[name] = value;
        }

        if (options.SkipFsync)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }

        foreach ((string name, string value) in options.Settings)
        {
            settings[name] = value;
        }

        yield return "-D";
        yield return DataDirectory;
        yield return "-p";
        yield return Port.ToString(CultureInfo.InvariantCulture);
        foreach ((string name, string value) in settings)
        {
            yield return "-c";
            yield return $"{name}={value}";
        }
    }

    private string AdminConnectionString(string database)
    {
        // Probes and admin statements must not leave pooled connections behind in our own process.
        return ConnectionString(database) + ";Pooling=false;Timeout=5";
    }

    private async Task WaitUntilReadyAsync(IServerProcess server, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + options.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (server.HasExited)
            {
                throw StartFailure(server, $"Postgres exited with code {server.ExitCode} while starting.");
            }

            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
                await connection.OpenAsync(cancellationToken);
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                if (e is PostgresException { SqlState: "28P01" })
                {
                    throw new LocalStackException(
                        $"Postgres in {DataDirectory} rejected the superuser password: the cluster was created "
                        + "with another one. Restore the matching secrets, or delete the data directory to start fresh.");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw StartFailure(server, $"Postgres did not accept connections within {options.StartTimeout.TotalSeconds} s.");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private LocalStackException StartFailure(IServerProcess server, string message)
    {
        return server is ChildProcess child && child.OutputContains("Address already in use")
            ? PortCheck.InUse(Port, "Postgres", "--db-port")
            : new LocalStackException(server.DescribeFailure(message));
    }
}
