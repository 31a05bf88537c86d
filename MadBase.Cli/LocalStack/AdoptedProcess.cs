using MadBase.ServiceDefaults.Lifetime;

namespace MadBase.Cli;

/// <summary>
/// A server we did not start but now answer for, such as the postmaster `pg_ctl restart` starts in place
/// of ours. It is not our child, so its exit is noticed by polling /proc (with its start time, so that a
/// recycled pid is not mistaken for it), and it is stopped, like our own, by its signal and then SIGKILL.
/// </summary>
internal sealed class AdoptedProcess : IServerProcess
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly long startTime;
    private readonly TimeSpan stopTimeout;
    private readonly TimeProvider time;

    private AdoptedProcess(string name, int pid, long startTime, int stopSignal, TimeSpan stopTimeout, TimeProvider time)
    {
        Name = name;
        Id = pid;
        StopSignal = stopSignal;
        this.startTime = startTime;
        this.stopTimeout = stopTimeout;
        this.time = time;
        Exited = WatchAsync();
    }

    public string Name { get; }

    public int Id { get; }

    public int StopSignal { get; }

    public bool HasExited => Exited.IsCompleted;

    public int? ExitCode => null;

    public bool StopRequested { get; private set; }

    public Task Exited { get; }

    /// <summary>Null when the process is already gone.</summary>
    public static AdoptedProcess? Adopt(string name, int pid, int stopSignal, TimeSpan stopTimeout, TimeProvider? time = null)
    {
        return ProcFs.StartTime(pid) is { } started
            ? new AdoptedProcess(name, pid, started, stopSignal, stopTimeout, time ?? TimeProvider.System)
            : null;
    }

    public async Task StopAsync()
    {
        if (!HasExited)
        {
            StopRequested = true;
            Signal(StopSignal);
            if (!await WaitForExitAsync(stopTimeout))
            {
                Signal(NativeMethods.SigKill);
            }
        }

        await WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Exited.WaitAsync(timeout, time);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public string DescribeFailure(string message)
    {
        return $"{message}{Environment.NewLine}{Name} (pid {Id}) was started outside madbase; its output went to whoever started it.";
    }

    private void Signal(int signal)
    {
        // Checked first: the pid may belong to another process by now.
        if (ProcFs.IsRunning(Id, startTime))
        {
            _ = NativeMethods.Kill(Id, signal);
        }
    }

    private async Task WatchAsync()
    {
        while (ProcFs.IsRunning(Id, startTime))
        {
            await Task.Delay(PollInterval, time);
        }
    }
}
