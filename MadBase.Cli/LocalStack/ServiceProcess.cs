using System.Net;
using MadBase.Cli.Supervision;

namespace MadBase.Cli;

/// <summary>
/// A MadBase service (Control, a Worker, the Gateway) as a child process; started means healthy.
/// It can be stopped and started again, so a test can take one worker away and bring it back, and it
/// always comes back on its own port, where the gateway's health checks find it.
/// </summary>
internal sealed class ServiceProcess : ISupervisedServer, IAsyncDisposable
{
    // Settings a parent shell might carry that would contradict the ones we give.
    private static readonly string[] InheritedConflicts =
        ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "ConnectionStrings__", "services__", "Metrics__"];

    private readonly ServiceDefinition definition;
    private readonly string logFile;
    private readonly HttpClient http;
    private readonly TimeSpan healthTimeout;
    private ChildProcess? process;

    public ServiceProcess(ServiceDefinition definition, string logFile, HttpClient http, TimeSpan healthTimeout)
    {
        this.definition = definition;
        this.logFile = logFile;
        this.http = http;
        this.healthTimeout = healthTimeout;
    }

    public string Name => definition.Name;

    public int Port => definition.Port;

    public Uri Url => definition.Url;

    public string LogFile => logFile;

    public bool IsRunning => process is { HasExited: false };

    public int? ProcessId => process?.Id;

    public IServerProcess? Process => process;

    public IReadOnlyList<string> RecentOutput()
    {
        return process?.RecentOutput() ?? [];
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning)
        {
            await LaunchAsync("health", cancellationToken);
        }
    }

    /// <summary>
    /// Starts it again after it exited on its own. Alive is enough: ready (/health) also needs Postgres and
    /// Redis, which may be what is down, and the gateway's health checks wait for ready anyway.
    /// </summary>
    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        return LaunchAsync("alive", cancellationToken);
    }

    public async Task StopAsync()
    {
        if (process is not null)
        {
            await process.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
    }

    private async Task LaunchAsync(string healthPath, CancellationToken cancellationToken)
    {
        PortCheck.EnsureFree(Port, Name, definition.PortOption);
        string dll = definition.DllPath;
        var startInfo = ProcessLaunch.Create(
            ServiceBinaries.DotnetHost(), [dll, "--urls", Url.ToString().TrimEnd('/')], account: null,
            Path.GetDirectoryName(dll) ?? ".");
        foreach (string key in startInfo.Environment.Keys.ToArray())
        {
            if (InheritedConflicts.Any(conflict => key.StartsWith(conflict, StringComparison.OrdinalIgnoreCase)))
            {
                startInfo.Environment.Remove(key);
            }
        }

        foreach ((string key, string value) in ServiceRuntimeSettings.Environment)
        {
            startInfo.Environment[key] = value;
        }

        foreach ((string key, string? value) in definition.Environment)
        {
            startInfo.Environment[key] = value;
        }

        ChildProcess process = ChildProcess.Start(Name, startInfo, logFile, NativeMethods.SigTerm, TimeSpan.FromSeconds(15));
        this.process = process;
        try
        {
            await WaitHealthyAsync(process, new Uri(Url, healthPath), cancellationToken);
        }
        catch
        {
            await process.StopAsync();
            throw;
        }
    }

    private async Task WaitHealthyAsync(ChildProcess process, Uri health, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + healthTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new LocalStackException(process.DescribeFailure(
                    $"{Name} exited with code {process.ExitCode} before becoming healthy."));
            }

            if (await IsHealthyAsync(health, cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new LocalStackException(process.DescribeFailure(
                    $"{Name} did not become healthy at {health} within {healthTimeout.TotalSeconds} s."));
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private async Task<bool> IsHealthyAsync(Uri health, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using HttpResponseMessage response = await http.GetAsync(health, timeout.Token);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException
                                  && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
