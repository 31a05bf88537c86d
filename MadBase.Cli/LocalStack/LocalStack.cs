using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MadBase.Cli;

/// <summary>
/// Starts the whole stack without Docker, in dependency order: Postgres, Redis (when installed), Control,
/// the workers, the Gateway; then reads the default project's keys, and from then on restarts whatever
/// exits on its own. What `madbase start` and the test fixtures run.
/// </summary>
internal sealed class LocalStack
{
    public const string SystemDatabase = "madbase";

    private readonly LocalStackOptions options;
    private readonly TextWriter progress;
    private readonly ILogger logger;

    /// <param name="logger">Where restarts are reported once the stack runs.</param>
    public LocalStack(LocalStackOptions options, TextWriter? progress = null, ILogger? logger = null)
    {
        this.options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
        this.progress = progress ?? TextWriter.Null;
        this.logger = logger ?? NullLogger.Instance;
    }

    public async Task<RunningStack> StartAsync(CancellationToken cancellationToken)
    {
        string dataDirectory = options.DataDirectory;
        string logDirectory = Path.Combine(dataDirectory, "logs");
        Directory.CreateDirectory(logDirectory);
        DataDirectoryLock dataLock = DataDirectoryLock.Acquire(dataDirectory);
        StackEnvFile.Delete(dataDirectory);
        try
        {
            await LeftoverServers.StopAsync(dataDirectory, progress, cancellationToken);
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }

        var parts = new StackParts(dataDirectory, logDirectory, dataLock);
        try
        {
            await StartPartsAsync(parts, cancellationToken);
            var stack = new RunningStack(parts, options.Supervision, logger);
            StackEnvFile.Write(dataDirectory, stack.Summary);
            stack.Supervise();
            return stack;
        }
        catch
        {
            await parts.StopAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(StackParts parts, CancellationToken cancellationToken)
    {
        string clusterDirectory = Path.Combine(parts.DataDirectory, "pg");
        bool clusterExists = PostgresCluster.IsInitialized(clusterDirectory);
        StackSecrets secrets = StackSecrets.LoadOrCreate(parts.DataDirectory, clusterExists);
        parts.AdminPassword = secrets.AdminPassword;
        parts.PublishableKey = secrets.PublishableKey!;
        parts.SecretKey = secrets.SecretKey!;
        // Everything that can fail without starting anything fails first.
        string control = ServiceBinaries.Locate("Control", options);
        string worker = ServiceBinaries.Locate("Worker", options);
        string gateway = ServiceBinaries.Locate("Gateway", options);
        EnsurePortsFree();

        progress.WriteLine(clusterExists
            ? $"Postgres: starting the cluster in {clusterDirectory}"
            : $"Postgres: creating a cluster in {clusterDirectory}");
        parts.Postgres = await PostgresCluster.StartAsync(
            new PostgresClusterOptions(clusterDirectory, options.PostgresPort, secrets.PostgresPassword)
            {
                BinDirectory = options.PostgresBinDirectory,
                LogFile = Path.Combine(parts.LogDirectory, "postgres.log"),
                SkipFsync = options.SkipPostgresFsync,
                Settings = new Dictionary<string, string> { ["max_connections"] = ConnectionLimits.MaxConnections },
            },
            cancellationToken);
        LeftoverServers.Record(parts.DataDirectory, parts.Postgres.ProcessId, NativeMethods.SigInt, "postgres");
        await parts.Postgres.EnsureDatabaseAsync(SystemDatabase, cancellationToken);
        progress.WriteLine($"Postgres: ready on 127.0.0.1:{options.PostgresPort}");
        parts.Redis = await StartRedisAsync(parts, cancellationToken);

        Dictionary<string, string?> common = CommonEnvironment(parts);
        parts.Control = Service("control", control, options.ControlPort, "--control-port", common, ControlEnvironment(parts), parts);
        await StartServicesAsync([parts.Control], cancellationToken);

        parts.Workers = [.. options.WorkerPorts.Select((port, index) =>
            Service($"worker-{index + 1}", worker, port, "--worker-port", common, WorkerEnvironment(parts, index), parts))];
        await StartServicesAsync(parts.Workers, cancellationToken);

        parts.Gateway = Service("gateway", gateway, options.GatewayPort, "--port", common, GatewayEnvironment(parts), parts);
        await StartServicesAsync([parts.Gateway], cancellationToken);

        parts.Project = await DefaultProject.FetchAsync(
            parts.Http, parts.Control.Url, secrets.AdminPassword, cancellationToken);
        await parts.Project.EnsureApiKeyAsync(parts.Http, parts.Control.Url, secrets.AdminPassword, "publishable", parts.PublishableKey, cancellationToken);
        await parts.Project.EnsureApiKeyAsync(parts.Http, parts.Control.Url, secrets.AdminPassword, "secret", parts.SecretKey, cancellationToken);
    }

    private void EnsurePortsFree()
    {
        PortCheck.EnsureFree(options.PostgresPort, "Postgres", "--db-port");
        PortCheck.EnsureFree(options.ControlPort, "control", "--control-port");
        foreach (int port in options.WorkerPorts)
        {
            PortCheck.EnsureFree(port, "worker", "--worker-port");
        }

        PortCheck.EnsureFree(options.GatewayPort, "gateway", "--port");
        if (options.GatewayMetricsPort is { } metricsPort)
        {
            PortCheck.EnsureFree(metricsPort, "gateway metrics", "--metrics-port");
        }
    }

    private async Task<RedisServer?> StartRedisAsync(StackParts parts, CancellationToken cancellationToken)
    {
        if (!options.UseRedis)
        {
            progress.WriteLine("Redis: off (--no-redis); caches fall back to their TTL.");
            return null;
        }

        if (RedisServer.FindExecutable() is not { } executable)
        {
            progress.WriteLine(
                "Redis: not installed (apt-get install -y redis-server); running without it, caches fall back to their TTL.");
            return null;
        }

        RedisServer redis = await RedisServer.StartAsync(
            executable, options.RedisPort, parts.DataDirectory, Path.Combine(parts.LogDirectory, "redis.log"),
            cancellationToken);
        LeftoverServers.Record(parts.DataDirectory, redis.Process.Id, NativeMethods.SigTerm, "redis");
        progress.WriteLine($"Redis: ready on {redis.ConnectionString}");
        return redis;
    }

    private async Task StartServicesAsync(IReadOnlyList<ServiceProcess> services, CancellationToken cancellationToken)
    {
        foreach (ServiceProcess service in services)
        {
            progress.WriteLine($"{service.Name}: starting on {service.Url}");
        }

        try
        {
            await Task.WhenAll(services.Select(service => service.StartAsync(cancellationToken)));
        }
        finally
        {
            foreach (ServiceProcess service in services)
            {
                LeftoverServers.Record(options.DataDirectory, service.ProcessId, NativeMethods.SigTerm, service.Name);
            }
        }

        foreach (ServiceProcess service in services)
        {
            progress.WriteLine($"{service.Name}: healthy");
        }
    }

    private ServiceProcess Service(
        string name,
        string dll,
        int port,
        string portOption,
        Dictionary<string, string?> common,
        IEnumerable<KeyValuePair<string, string?>> own,
        StackParts parts)
    {
        var environment = new Dictionary<string, string?>(common);
        foreach ((string key, string? value) in own)
        {
            environment[key] = value;
        }

        var definition = new ServiceDefinition(name, dll, port, portOption, environment);
        return new ServiceProcess(
            definition, Path.Combine(parts.LogDirectory, name + ".log"), parts.Http, options.HealthTimeout);
    }

    private Dictionary<string, string?> CommonEnvironment(StackParts parts)
    {
        // Logging__LogLevel__Default and anything else of the caller's own is inherited as it is.
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__madbase"] = parts.Postgres!.ConnectionString(SystemDatabase),
            ["ConnectionStrings__redis"] = parts.Redis?.ConnectionString,
            // The stack is the product, not a debug build of it: Development would add the developer
            // exception page and DI scope validation to every request. A caller's own choice wins.
            // Each service stops itself if we are killed without the chance to stop it (ParentProcessWatch).
            ["MADBASE_PARENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_ENVIRONMENT"] = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production",
        };
        foreach ((string key, string value) in options.ExtraEnvironment)
        {
            environment[key] = value;
        }

        return environment;
    }

    private Dictionary<string, string?> ControlEnvironment(StackParts parts)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Admin__Password"] = parts.AdminPassword,
            // Projects' JWT issuer and mailed links point at this stack's gateway, unless the caller says otherwise.
            ["Projects__PublicUrl"] = Environment.GetEnvironmentVariable("Projects__PublicUrl")
                ?? string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{options.GatewayPort}"),
        };
        if (!string.IsNullOrEmpty(options.JwtSecret))
        {
            environment["Auth__JwtSecret"] = options.JwtSecret;
        }

        // Studio calls the project APIs through the gateway and shows every service's health; the ports are
        // fixed before anything starts, so Control can be told them although it starts first.
        environment["services__gateway__http__0"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{options.GatewayPort}");
        foreach ((int port, int i) in options.WorkerPorts.Select((port, i) => (port, i)))
        {
            environment[string.Create(CultureInfo.InvariantCulture, $"services__worker__http__{i}")] =
                string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        }

        return environment;
    }

    /// <summary>Shared blob files; each worker's own folder for functions' extracted code and Deno's cache.</summary>
    private static Dictionary<string, string?> WorkerEnvironment(StackParts parts, int index) => new()
    {
        ["Storage__FileRoot"] = Path.Combine(parts.DataDirectory, "storage"),
        ["Functions__DataDirectory"] = Path.Combine(parts.DataDirectory, "functions", string.Create(CultureInfo.InvariantCulture, $"worker-{index + 1}")),
    };

    private Dictionary<string, string?> GatewayEnvironment(StackParts parts)
    {
        var environment = new Dictionary<string, string?>
        {
            ["services__control__http__0"] = parts.Control!.Url.ToString().TrimEnd('/'),
        };
        if (options.CoLocated)
        {
            environment["Gateway__CoLocated"] = "true";
            foreach ((string key, string? value) in WorkerEnvironment(parts, 0))
            {
                environment[key] = value;
            }
        }

        if (options.GatewayMetricsPort is { } metricsPort)
        {
            environment["Metrics__Port"] = metricsPort.ToString(CultureInfo.InvariantCulture);
        }

        for (int i = 0; i < parts.Workers.Count; i++)
        {
            environment[string.Create(CultureInfo.InvariantCulture, $"services__worker__http__{i}")] =
                parts.Workers[i].Url.ToString().TrimEnd('/');
        }

        return environment;
    }
}
