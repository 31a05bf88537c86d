using System.Globalization;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace MadBase.Cli.Supervision;

/// <summary>
/// Keeps every server of a running stack up, so that one process exiting never takes the others down:
/// a server whose process exits without being asked to is brought back (see
/// <see cref="ISupervisedServer.RecoverAsync"/>), at once the first time, then with exponential backoff
/// while it keeps exiting soon after each restart. One stopped on purpose (its StopAsync: a test taking a
/// worker away, the stack stopping) is left alone until it is started again.
/// </summary>
internal sealed partial class StackSupervisor : IAsyncDisposable
{
    private readonly Watched[] servers;
    private readonly SupervisionOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private Task? watching;

    public StackSupervisor(
        IEnumerable<ISupervisedServer> servers, SupervisionOptions options, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        this.servers = [.. servers.Select(server => new Watched(server, RestartPipeline(server.Name)))];
    }

    /// <summary>Raised, on the thread watching that server, whenever a server's status changes.</summary>
    public event Action<ServerStatus>? StatusChanged;

    /// <summary>Raised when a server serves again, with the process that now serves.</summary>
    public event Action<ISupervisedServer, IServerProcess>? Recovered;

    public IReadOnlyList<ServerStatus> Status => [.. servers.Select(watched => watched.Status)];

    /// <summary>Runs until disposed; it only ever completes on its own by faulting, which would be a bug.</summary>
    public Task Completion => watching ?? Task.CompletedTask;

    public void Start()
    {
        watching ??= Task.WhenAll(servers.Select(watched => Task.Run(() => WatchAsync(watched, stopping.Token))));
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Completion;
        stopping.Dispose();
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    private async Task WatchAsync(Watched watched, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                IServerProcess? process = watched.Server.Process;
                if (process is null || process.StopRequested)
                {
                    if (process is { HasExited: true })
                    {
                        SetStatus(watched, watched.Status with { State = ServerState.Stopped, Pid = null });
                    }

                    await Task.Delay(options.StoppedPollInterval, time, stopping);
                    continue;
                }

                SetStatus(watched, watched.Status with { State = ServerState.Running, Pid = process.Id });
                await process.Exited.WaitAsync(stopping);
                if (!process.StopRequested && ReferenceEquals(watched.Server.Process, process))
                {
                    await RecoverAsync(watched, process, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The stack is stopping: what happens to the servers now is its business.
        }
    }

    private async Task RecoverAsync(Watched watched, IServerProcess exited, CancellationToken stopping)
    {
        string exit = DescribeExit(exited);
        LogExited(logger, watched.Server.Name, exited.Id, exit);
        SetStatus(watched, watched.Status with { State = ServerState.Restarting, Pid = null, LastExit = exit });
        await watched.Restarts.ExecuteAsync(
            async cancellationToken =>
            {
                int restart = watched.Status.Restarts + 1;
                SetStatus(watched, watched.Status with { State = ServerState.Restarting, Restarts = restart });
                await watched.Server.RecoverAsync(cancellationToken);
                IServerProcess process = watched.Server.Process
                    ?? throw new InvalidOperationException($"{watched.Server.Name} recovered without a process.");
                DateTimeOffset started = time.GetUtcNow();
                Recovered?.Invoke(watched.Server, process);
                SetStatus(watched, watched.Status with { State = ServerState.Running, Pid = process.Id });
                LogRecovered(logger, watched.Server.Name, process.Id, restart,
                    process is AdoptedProcess ? " (started by someone else, adopted)" : string.Empty);
                await WaitUntilStableAsync(watched, process, started, cancellationToken);
            },
            stopping);
    }

    /// <summary>Returns once the new process has run for the stable period, or was stopped on purpose.</summary>
    private async Task WaitUntilStableAsync(
        Watched watched, IServerProcess process, DateTimeOffset started, CancellationToken cancellationToken)
    {
        try
        {
            await process.Exited.WaitAsync(options.StablePeriod, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return;
        }

        if (process.StopRequested || !ReferenceEquals(watched.Server.Process, process))
        {
            return;
        }

        string exit = DescribeExit(process);
        SetStatus(watched, watched.Status with { State = ServerState.Restarting, Pid = null, LastExit = exit });
        // A failed attempt to the retry pipeline: the next restart waits longer.
        throw new ServerExitedException(string.Create(
            CultureInfo.InvariantCulture,
            $"pid {process.Id} {exit}, {(time.GetUtcNow() - started).TotalSeconds:0.0} s after its restart"));
    }

    private string DescribeExit(IServerProcess process)
    {
        string how = process.ExitCode switch
        {
            null => "exited (its exit status went to the parent that started it)",
            // .NET reports a process killed by a signal as 128 + the signal's number.
            > 128 and < 160 and int code => string.Create(
                CultureInfo.InvariantCulture, $"exited with code {code} (killed by signal {code - 128})"),
            int code => string.Create(CultureInfo.InvariantCulture, $"exited with code {code}"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{how} at {time.GetLocalNow():HH:mm:ss}");
    }

    private void SetStatus(Watched watched, ServerStatus status)
    {
        if (watched.Status != status)
        {
            watched.Status = status;
            StatusChanged?.Invoke(status);
        }
    }

    private ResiliencePipeline RestartPipeline(string name)
    {
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // Any failure to come back is worth another try, however long it takes: only the stack
                // stopping (Ctrl+C, SIGTERM) ends the attempts.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = options.FirstRetryDelay,
                MaxDelay = options.MaxRetryDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    LogRetrying(logger, name, FirstLine(args.Outcome.Exception?.Message ?? "failed"), args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    [LoggerMessage(EventId = EventIds.ServerExitedRestarting, Level = LogLevel.Warning, Message = "{Server} (pid {Pid}) {Exit}; restarting it")]
    private static partial void LogExited(ILogger logger, string server, int pid, string exit);

    [LoggerMessage(EventId = EventIds.ServerRestarted, Level = LogLevel.Information, Message = "{Server} is back as pid {Pid} (restart {Restarts}){How}")]
    private static partial void LogRecovered(ILogger logger, string server, int pid, int restarts, string how);

    [LoggerMessage(EventId = EventIds.ServerRestartDelayed, Level = LogLevel.Warning, Message = "{Server}: {Reason}; restarting it again in {DelaySeconds} s")]
    private static partial void LogRetrying(ILogger logger, string server, string reason, double delaySeconds);

    private sealed class Watched(ISupervisedServer server, ResiliencePipeline restarts)
    {
        public ISupervisedServer Server { get; } = server;

        public ResiliencePipeline Restarts { get; } = restarts;

        /// <summary>Replaced (never changed in place) by the server's own watch loop only; read by anyone.</summary>
        public ServerStatus Status { get; set; } = new(server.Name, server.Process?.Id, ServerState.Running, 0, null);
    }

    private sealed class ServerExitedException(string message) : Exception(message);
}
