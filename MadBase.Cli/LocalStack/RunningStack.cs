using MadBase.Cli.Supervision;
using Microsoft.Extensions.Logging;

namespace MadBase.Cli;

/// <summary>
/// A started, healthy stack: its addresses and keys, its parts, the supervision that keeps each of them
/// up (see <see cref="StackSupervisor"/>), and how to stop it.
/// </summary>
internal sealed class RunningStack : IAsyncDisposable
{
    private readonly StackParts parts;
    private readonly DefaultProject project;
    private readonly StackSupervisor supervisor;
    private readonly Lock statusGate = new();

    internal RunningStack(StackParts parts, SupervisionOptions supervision, ILogger logger)
    {
        this.parts = parts;
        Postgres = parts.Postgres ?? throw new ArgumentException("Postgres is not started.", nameof(parts));
        Control = parts.Control ?? throw new ArgumentException("Control is not started.", nameof(parts));
        Gateway = parts.Gateway ?? throw new ArgumentException("The gateway is not started.", nameof(parts));
        project = parts.Project ?? throw new ArgumentException("The default project is not known.", nameof(parts));
        Services = [Control, .. parts.Workers, Gateway];
        Summary = new StackSummary(
            ApiUrl, AdminUrl, DbUrl, AnonKey, ServiceRoleKey, PublishableKey, SecretKey, AdminPassword,
            Redis is null ? "off (caches fall back to their TTL)" : $"on ({Redis.ConnectionString})",
            LogDirectory);
        ISupervisedServer?[] supervised = [Postgres, Redis, .. Services];
        supervisor = new StackSupervisor(supervised.OfType<ISupervisedServer>(), supervision, TimeProvider.System, logger);
        supervisor.StatusChanged += _ => WriteStatus();
        supervisor.Recovered += RecordLeftover;
    }

    public string DataDirectory => parts.DataDirectory;

    public string LogDirectory => parts.LogDirectory;

    /// <summary>The gateway: what supabase-js is pointed at.</summary>
    public string ApiUrl => Gateway.Url.ToString().TrimEnd('/');

    public string AdminUrl => ApiUrl + "/admin/v1";

    public string ControlUrl => Control.Url.ToString().TrimEnd('/');

    public IReadOnlyList<string> WorkerUrls => [.. Workers.Select(worker => worker.Url.ToString().TrimEnd('/'))];

    public string ProjectRef => project.Ref;

    public string ProjectDatabase => project.DbName;

    public string AnonKey => project.AnonKey;

    public string ServiceRoleKey => project.ServiceRoleKey;

    /// <summary>The default project's <c>sb_publishable_</c> key, the same across restarts of this data directory.</summary>
    public string PublishableKey => parts.PublishableKey;

    public string SecretKey => parts.SecretKey;

    public string AdminPassword => parts.AdminPassword;

    /// <summary>postgres:// URL of the default project's database, as the superuser.</summary>
    public string DbUrl => Postgres.Url(project.DbName);

    /// <summary>Npgsql connection string of the system database (projects, keys), as the superuser.</summary>
    public string SystemConnectionString => Postgres.ConnectionString(LocalStack.SystemDatabase);

    /// <summary>Npgsql connection string of the default project's database, as the superuser.</summary>
    public string ProjectConnectionString => Postgres.ConnectionString(project.DbName);

    public string? RedisConnectionString => Redis?.ConnectionString;

    public PostgresCluster Postgres { get; }

    public RedisServer? Redis => parts.Redis;

    public ServiceProcess Control { get; }

    public IReadOnlyList<ServiceProcess> Workers => parts.Workers;

    public ServiceProcess Gateway { get; }

    /// <summary>Control, the workers, then the gateway.</summary>
    public IReadOnlyList<ServiceProcess> Services { get; }

    public StackSummary Summary { get; }

    /// <summary>Each server's pid, state and restart count, as `madbase status` shows them.</summary>
    public IReadOnlyList<ServerStatus> ServerStatus => supervisor.Status;

    /// <summary>Starts restarting whatever exits on its own; until disposed.</summary>
    public void Supervise()
    {
        WriteStatus();
        supervisor.Start();
    }

    /// <summary>
    /// Waits for the stop request (Ctrl+C, SIGTERM): the stack keeps itself up meanwhile. Returns early only
    /// if supervision itself fails, which is a bug, with its exception.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await supervisor.Completion.WaitAsync(cancellationToken);
        throw new InvalidOperationException("Supervision of the stack ended while the stack runs.");
    }

    public async ValueTask DisposeAsync()
    {
        // First, so that nothing stopped from here on is restarted.
        await supervisor.DisposeAsync();
        await parts.StopAsync();
    }

    // Both files only inform (`madbase status`, the next start after a killed CLI): a full disk must not
    // turn a restart that worked into a failed one, let alone stop the supervision.
    private void WriteStatus()
    {
        lock (statusGate)
        {
            try
            {
                if (!parts.IsStopping)
                {
                    StackStatusFile.Write(DataDirectory, supervisor.Status);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The next change writes it again.
            }
        }
    }

    private void RecordLeftover(ISupervisedServer server, IServerProcess process)
    {
        try
        {
            // A later start stops what a killed CLI left running, restarted servers included.
            LeftoverServers.Record(DataDirectory, process.Id, process.StopSignal, server.Name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Lost only if the CLI is killed later: the next start then cannot stop this one for it.
        }
    }
}
