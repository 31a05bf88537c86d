using MadBase.Cli;

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// The whole local stack (Postgres, Redis if installed, Control, two workers, Gateway) on free ports in a
/// temporary data directory, shared by the tests of the "stack" collection and stopped after them.
/// </summary>
public class StackFixture : IAsyncLifetime
{
    private TempDirectory? directory;
    private RunningStack? stack;

    public string ApiUrl => Stack.ApiUrl;

    public string AdminUrl => Stack.AdminUrl;

    public string AnonKey => Stack.AnonKey;

    public string ServiceRoleKey => Stack.ServiceRoleKey;

    public string AdminPassword => Stack.AdminPassword;

    /// <summary>postgres:// URL of the default project's database, as the superuser.</summary>
    public string DbUrl => Stack.DbUrl;

    /// <summary>Npgsql connection string of the default project's database, as the superuser.</summary>
    public string ProjectConnectionString => Stack.ProjectConnectionString;

    public string SystemConnectionString => Stack.SystemConnectionString;

    /// <summary>The gateway's /metrics, on its own port (Metrics__Port).</summary>
    public string GatewayMetricsUrl { get; private set; } = string.Empty;

    /// <summary>The running parts; e.g. <c>Stack.Workers[0].StopAsync()</c> takes one worker away.</summary>
    internal RunningStack Stack => stack ?? throw new InvalidOperationException("The stack is not started.");

    public async Task InitializeAsync()
    {
        directory = TempDirectory.Create("mbs");
        int[] ports = FreePorts.Take(7);
        var environment = new Dictionary<string, string>
        {
            // The gateway must notice a stopped worker within the tests' patience.
            ["Gateway__HealthCheckIntervalSeconds"] = "1",
            // Slots a dead holder left are dropped within PostgresChangesTests' patience.
            ["Realtime__Changes__SlotSweepSeconds"] = "2",
            // SchemaCacheTests sees an idle project's schema listener go; ~150 projects share this stack.
            ["Rest__SchemaCacheIdleSeconds"] = "8",
            // ConnectionBudgetTests reaches the workers' connection cap; SchemaCacheTests sees an idle project's pool close.
            ["Worker__MaxConnections"] = "30",
            ["Worker__ProjectIdleSeconds"] = "8",
            // FunctionsTests reach the wall-clock and memory limits quickly.
            ["Functions__TimeoutSeconds"] = "3",
            ["Functions__MemoryMb"] = "64",
        };
        Configure(environment);
        var options = new LocalStackOptions
        {
            DataDirectory = directory.FullPath,
            GatewayPort = ports[0],
            ControlPort = ports[1],
            WorkerPorts = [ports[2], ports[3]],
            PostgresPort = ports[4],
            RedisPort = ports[5],
            GatewayMetricsPort = ports[6],
            SkipPostgresFsync = true,
            ExtraEnvironment = environment,
        };
        GatewayMetricsUrl = $"http://127.0.0.1:{ports[6]}/metrics";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            stack = await new Cli.LocalStack(options).StartAsync(timeout.Token);
        }
        catch
        {
            // LocalStack has stopped whatever it started. The logs stay: the error names them.
            directory.DeleteAllBut("logs");
            directory = null;
            throw;
        }
    }

    /// <summary>What a stack of another kind sets beside the settings above.</summary>
    protected virtual void Configure(IDictionary<string, string> environment)
    {
    }

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }

        directory?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}

/// <summary>
/// A second stack, the same as the first but for schema listeners: xunit runs one collection's classes one after
/// another, so the suite's storage, realtime, Studio and functions classes share this one and run beside the rest
/// instead of after it. Its workers keep no LISTEN connection for schema changes (as beyond
/// Rest__MaxSchemaListeners projects): every project's cache follows its DDL log by polling.
/// </summary>
public sealed class SecondStackFixture : StackFixture
{
    protected override void Configure(IDictionary<string, string> environment) =>
        environment["Rest__MaxSchemaListeners"] = "0";
}

[CollectionDefinition(Name)]
public sealed class SecondStackCollection : ICollectionFixture<SecondStackFixture>
{
    public const string Name = "second stack";
}
