using System.Globalization;

namespace MadBase.Cli;

/// <summary>A started, healthy stack: its addresses and keys, its parts, and how to stop it.</summary>
internal sealed class RunningStack : IAsyncDisposable
{
    private readonly StackParts _parts;
    private readonly DefaultProject _project;

    internal RunningStack(StackParts parts)
    {
        _parts = parts;
        Postgres = parts.Postgres ?? throw new ArgumentException("Postgres is not started.", nameof(parts));
        Control = parts.Control ?? throw new ArgumentException("Control is not started.", nameof(parts));
        Gateway = parts.Gateway ?? throw new ArgumentException("The gateway is not started.", nameof(parts));
        _project = parts.Project ?? throw new ArgumentException("The default project is not known.", nameof(parts));
        Services = [Control, .. parts.Workers, Gateway];
        Summary = new StackSummary(
            ApiUrl, AdminUrl, DbUrl, AnonKey, ServiceRoleKey, AdminPassword,
            Redis is null ? "off (caches fall back to their TTL)" : $"on ({Redis.ConnectionString})",
            LogDirectory);
    }

    public string DataDirectory => _parts.DataDirectory;

    public string LogDirectory => _parts.LogDirectory;

    /// <summary>The gateway: what supabase-js is pointed at.</summary>
    public string ApiUrl => Gateway.Url.ToString().TrimEnd('/');

    public string AdminUrl => ApiUrl + "/admin/v1";

    public string ControlUrl => Control.Url.ToString().TrimEnd('/');

    public IReadOnlyList<string> WorkerUrls => [.. Workers.Select(worker => worker.Url.ToString().TrimEnd('/'))];

    public string ProjectRef => _project.Ref;

    public string ProjectDatabase => _project.DbName;

    public string AnonKey => _project.AnonKey;

    public string ServiceRoleKey => _project.ServiceRoleKey;

    public string AdminPassword => _parts.AdminPassword;

    /// <summary>postgres:// URL of the default project's database, as the superuser.</summary>
    public string DbUrl => Postgres.Url(_project.DbName);

    /// <summary>Npgsql connection string of the system database (projects, keys), as the superuser.</summary>
    public string SystemConnectionString => Postgres.ConnectionString(LocalStack.SystemDatabase);

    /// <summary>Npgsql connection string of the default project's database, as the superuser.</summary>
    public string ProjectConnectionString => Postgres.ConnectionString(_project.DbName);

    public string? RedisConnectionString => Redis?.ConnectionString;

    public PostgresCluster Postgres { get; }

    public RedisServer? Redis => _parts.Redis;

    public ServiceProcess Control { get; }

    public IReadOnlyList<ServiceProcess> Workers => _parts.Workers;

    public ServiceProcess Gateway { get; }

    /// <summary>Control, the workers, then the gateway.</summary>
    public IReadOnlyList<ServiceProcess> Services { get; }

    public StackSummary Summary { get; }

    /// <summary>
    /// Completes with a report when a server exits without being asked to (one stopped through its
    /// StopAsync does not count); cancelled with the token otherwise.
    /// </summary>
    public async Task<string> WaitForCrashAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ChildProcess?[] processes = [Postgres.Process, Redis?.Process, .. Services.Select(service => service.Process)];
            if (processes.FirstOrDefault(process => process is { HasExited: true, StopRequested: false }) is { } crashed)
            {
                return crashed.DescribeFailure(string.Create(
                    CultureInfo.InvariantCulture, $"{crashed.Name} exited unexpectedly with code {crashed.ExitCode}."));
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _parts.StopAsync();
    }
}
