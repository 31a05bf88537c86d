using MadBase.Cli;
using MadBase.Cli.Supervision;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MadBase.Tests.LocalStack;

/// <summary>The restart policy on stand-in servers and a fake clock: what restarts, when, and what does not.</summary>
public sealed class StackSupervisorTests
{
    private static readonly SupervisionOptions Options = new()
    {
        FirstRetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(4),
        StablePeriod = TimeSpan.FromSeconds(10),
    };

    private readonly FakeTimeProvider time = new();

    [Fact]
    public async Task UnexpectedExit_RestartsAtOnce_AndCountsIt()
    {
        var server = new StandInServer("worker-1", time);
        await using var supervisor = Start(server);

        server.Current.Exit(137);
        await WaitWithoutClockAsync(() => supervisor.Status[0] is { State: ServerState.Running, Restarts: 1 });

        Assert.Equal([TimeSpan.Zero], server.RestartDelays());
        Assert.Equal(server.Current.Id, supervisor.Status[0].Pid);
        Assert.Contains("code 137 (killed by signal 9)", supervisor.Status[0].LastExit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopRequested_IsNotRestarted_UntilStartedAgain()
    {
        var server = new StandInServer("worker-1", time);
        await using var supervisor = Start(server);

        await server.Current.StopAsync();
        await RunClockUntilAsync(() => supervisor.Status[0].State == ServerState.Stopped);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(server.RestartTimes);

        // Started again by hand (as a test brings a worker back): watched again, and restarted when it crashes.
        server.StartByHand();
        await RunClockUntilAsync(() => supervisor.Status[0].State == ServerState.Running);
        server.Current.Exit(1);
        await RunClockUntilAsync(() => supervisor.Status[0] is { State: ServerState.Running, Restarts: 1 });
    }

    [Fact]
    public async Task RepeatedExits_BackOffExponentially_UpToTheCap_AndAStableRunResetsIt()
    {
        var server = new StandInServer("control", time) { FailingRestarts = 4 };
        await using var supervisor = Start(server);

        server.Current.Exit(1);
        await WaitWithoutClockAsync(() => server.RestartTimes.Count == 1);
        await RunClockUntilAsync(() => supervisor.Status[0] is { State: ServerState.Running, Restarts: 5 });
        // At once, then 1, 2, 4 s and 4 s again (the cap); the clock moves in steps of 0.1 s.
        AssertDelays([0, 1, 2, 4, 4], server.RestartDelays());

        // Exiting again soon after a restart counts as a failed restart: the backoff goes on.
        await Task.Delay(50);
        time.Advance(TimeSpan.FromSeconds(2));
        server.Current.Exit(1);
        await RunClockUntilAsync(() => supervisor.Status[0] is { State: ServerState.Running, Restarts: 6 });
        AssertDelays([4], server.RestartDelays()[5..]);

        // A run as long as the stable period ends the episode: the next exit is restarted at once.
        await Task.Delay(50);
        time.Advance(Options.StablePeriod + TimeSpan.FromSeconds(1));
        await Task.Delay(50);
        server.Current.Exit(1);
        await WaitWithoutClockAsync(() => supervisor.Status[0] is { State: ServerState.Running, Restarts: 7 });
        AssertDelays([0], server.RestartDelays()[6..]);
    }

    private static void AssertDelays(double[] expectedSeconds, IReadOnlyList<TimeSpan> actual)
    {
        Assert.Equal(expectedSeconds.Length, actual.Count);
        for (int i = 0; i < actual.Count; i++)
        {
            double seconds = actual[i].TotalSeconds;
            Assert.True(
                seconds >= expectedSeconds[i] && seconds < expectedSeconds[i] + 0.9,
                $"restart {i + 1} came {seconds} s after the exit, not {expectedSeconds[i]} s: {string.Join(", ", actual)}");
        }
    }

    private StackSupervisor Start(StandInServer server)
    {
        var supervisor = new StackSupervisor([server], Options, time, NullLogger.Instance);
        supervisor.Start();
        return supervisor;
    }

    /// <summary>For what must happen at once: the fake clock stands still meanwhile.</summary>
    private static async Task WaitWithoutClockAsync(Func<bool> condition)
    {
        for (int attempt = 0; !condition(); attempt++)
        {
            Assert.True(attempt < 1000, "the supervisor did not get there within 10 s while the clock stood still");
            await Task.Delay(10);
        }
    }

    /// <summary>Moves the fake clock in small steps, letting the supervisor run between them.</summary>
    private async Task RunClockUntilAsync(Func<bool> condition)
    {
        for (int step = 0; !condition(); step++)
        {
            Assert.True(step < 5000, "the supervisor did not get there within 500 s of fake time");
            await Task.Delay(5);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>A server whose process exits when told to; its restarts fail as often as asked.</summary>
    private sealed class StandInServer : ISupervisedServer
    {
        private readonly TimeProvider time;
        private readonly List<DateTimeOffset> exits = [];
        private readonly List<DateTimeOffset> restarts = [];
        private int nextPid = 1000;

        public StandInServer(string name, TimeProvider time)
        {
            Name = name;
            this.time = time;
            Current = NewProcess();
        }

        public string Name { get; }

        public StandInProcess Current { get; private set; }

        public IServerProcess? Process => Current;

        public int FailingRestarts { get; init; }

        public IReadOnlyList<DateTimeOffset> RestartTimes => restarts;

        public Task RecoverAsync(CancellationToken cancellationToken)
        {
            restarts.Add(time.GetUtcNow());
            if (restarts.Count <= FailingRestarts)
            {
                throw new LocalStackException($"{Name} exited with code 1 before becoming healthy.");
            }

            StartByHand();
            return Task.CompletedTask;
        }

        public void StartByHand()
        {
            Current = NewProcess();
        }

        /// <summary>For each restart, how long after what preceded it: the exit, or the failed restart before it.</summary>
        public List<TimeSpan> RestartDelays()
        {
            return [.. restarts.Select((time, i) =>
            {
                DateTimeOffset previous = exits.Where(exit => exit <= time).Max();
                return time - (i > 0 && restarts[i - 1] > previous ? restarts[i - 1] : previous);
            })];
        }

        private StandInProcess NewProcess()
        {
            return new StandInProcess(Name, nextPid++, () => exits.Add(time.GetUtcNow()));
        }
    }

    private sealed class StandInProcess(string name, int id, Action onExit) : IServerProcess
    {
        private readonly TaskCompletionSource exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => name;

        public int Id => id;

        public int StopSignal => NativeMethods.SigTerm;

        public bool HasExited => exited.Task.IsCompleted;

        public int? ExitCode { get; private set; }

        public bool StopRequested { get; private set; }

        public Task Exited => exited.Task;

        public void Exit(int code)
        {
            ExitCode = code;
            onExit();
            exited.TrySetResult();
        }

        public Task StopAsync()
        {
            StopRequested = true;
            Exit(0);
            return Task.CompletedTask;
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            await Exited;
            return true;
        }

        public string DescribeFailure(string message) => message;
    }
}
