using System.Globalization;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// A gateway process of our own on a free port, next to the stack's: same system database and Redis
/// (so the stack's default project exists), but its workers are <see cref="UpstreamServer"/>s in this
/// test process, and its settings are the test's.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly HttpClient HealthClient = new();
    private readonly ServiceProcess service;
    private readonly TempDirectory logs;

    private GatewayProcess(ServiceProcess service, TempDirectory logs)
    {
        this.service = service;
        this.logs = logs;
        Client = new HttpClient { BaseAddress = service.Url, Timeout = TimeSpan.FromMinutes(5) };
    }

    public Uri Url => service.Url;

    public HttpClient Client { get; }

    public IReadOnlyList<string> RecentOutput => service.RecentOutput();

    /// <summary>Builds the process without starting it (a test of a failing start calls <see cref="ServiceProcess.StartAsync"/> itself).</summary>
    public static GatewayProcess Create(
        StackFixture stack,
        IReadOnlyList<UpstreamServer> workers,
        UpstreamServer? control = null,
        IReadOnlyDictionary<string, string>? settings = null) =>
        Create(stack, [.. workers.Select(w => w.Url)], control?.Url, settings);

    /// <summary>The same in front of any upstreams, e.g. real worker processes.</summary>
    public static GatewayProcess Create(
        StackFixture stack, IReadOnlyList<Uri> workers, Uri? control, IReadOnlyDictionary<string, string>? settings)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__madbase"] = stack.SystemConnectionString,
            ["ConnectionStrings__redis"] = stack.Stack.RedisConnectionString,
            ["Gateway__HealthCheckIntervalSeconds"] = "1",
        };
        for (var i = 0; i < workers.Count; i++)
        {
            environment[string.Create(CultureInfo.InvariantCulture, $"services__worker__http__{i}")] = workers[i].ToString().TrimEnd('/');
        }

        if (control is not null)
        {
            environment["services__control__http__0"] = control.ToString().TrimEnd('/');
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var logs = TempDirectory.Create("mbgw");
        var dll = ServiceBinaries.Locate("Gateway", new LocalStackOptions { DataDirectory = logs.FullPath });
        var definition = new ServiceDefinition("gateway-test", dll, FreePorts.Next(), "--port", environment);
        return new GatewayProcess(new ServiceProcess(definition, logs.Combine("gateway.log"), HealthClient, TimeSpan.FromSeconds(60)), logs);
    }

    public static Task<GatewayProcess> StartAsync(
        StackFixture stack,
        IReadOnlyList<UpstreamServer> workers,
        UpstreamServer? control = null,
        IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(Create(stack, workers, control, settings));

    public static Task<GatewayProcess> StartAsync(
        StackFixture stack, IReadOnlyList<Uri> workers, IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(Create(stack, workers, null, settings));

    private static async Task<GatewayProcess> StartAsync(GatewayProcess gateway)
    {
        try
        {
            await gateway.StartAsync();
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public Task StartAsync() => service.StartAsync(CancellationToken.None);

    /// <summary>The gateway's resident memory now, from /proc/&lt;pid&gt;/status (VmRSS).</summary>
    public long ResidentBytes()
    {
        var pid = service.ProcessId ?? throw new InvalidOperationException("The gateway is not running.");
        return ProcessMemory.ResidentBytes(pid);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await service.DisposeAsync();
        logs.Dispose();
    }
}
