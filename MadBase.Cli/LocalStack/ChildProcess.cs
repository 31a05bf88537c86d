using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace MadBase.Cli;

/// <summary>
/// A server process we started and must not leave behind. Its output goes to a log file and to a short
/// in-memory tail (shown when it fails to start); stopping sends its own graceful signal, then SIGKILL.
/// </summary>
internal sealed class ChildProcess : IServerProcess
{
    private const int TailCapacity = 80;
    private static readonly List<ChildProcess> Live = [];
    private static readonly Lock LiveGate = new();
    private static int exitHookInstalled;

    private readonly Process process;
    private readonly StreamWriter? log;
    private readonly Queue<string> tail = new();
    private readonly Lock gate = new();
    private readonly int stopSignal;
    private readonly TimeSpan stopTimeout;
    private bool logClosed;

    private ChildProcess(
        string name, Process process, string? logPath, StreamWriter? log, int stopSignal, TimeSpan stopTimeout)
    {
        Name = name;
        LogPath = logPath;
        this.process = process;
        this.log = log;
        this.stopSignal = stopSignal;
        this.stopTimeout = stopTimeout;
        Exited = Task.CompletedTask;
    }

    public string Name { get; }

    public string? LogPath { get; }

    public int Id => process.Id;

    public int StopSignal => stopSignal;

    // True only once Exited has completed, i.e. after the last lines of stdout/stderr were read: a caller
    // that sees the process gone and then describes the failure must find its final message in the output.
    public bool HasExited => Exited.IsCompleted && process.HasExited;

    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    public bool StopRequested { get; private set; }

    public Task Exited { get; private set; }

    public static ChildProcess Start(
        string name, ProcessStartInfo startInfo, string? logPath, int stopSignal, TimeSpan stopTimeout)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        StreamWriter? log = logPath is null
            ? null
            : new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, logPath, log, stopSignal, stopTimeout);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            log?.Dispose();
            process.Dispose();
            throw new LocalStackException($"Could not start {name} ({startInfo.FileName}): {e.Message}", e);
        }

        child.Append(string.Create(
            CultureInfo.InvariantCulture, $"[madbase] {DateTimeOffset.Now:u} started {name} as pid {process.Id}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Servers never read stdin; a closed one keeps them off our terminal.
        process.StandardInput.Close();
        child.Exited = child.WatchExitAsync();
        Register(child);
        return child;
    }

    public IReadOnlyList<string> RecentOutput()
    {
        lock (gate)
        {
            return [.. tail];
        }
    }

    public bool OutputContains(string text)
    {
        return RecentOutput().Any(line => line.Contains(text, StringComparison.Ordinal));
    }

    public string DescribeFailure(string message)
    {
        IReadOnlyList<string> output = RecentOutput();
        // A .NET crash ends in a long stack trace: start at its first line, where the message is.
        int crash = output.ToList().FindLastIndex(line => line.StartsWith("Unhandled exception.", StringComparison.Ordinal));
        IEnumerable<string> shown = crash >= 0 ? output.Skip(crash).Take(20) : output.TakeLast(20);
        string indent = Environment.NewLine + "  ";
        string log = LogPath is null ? string.Empty : $"{Environment.NewLine}Full log: {LogPath}";
        return $"{message}{Environment.NewLine}Last output of {Name}:{indent}{string.Join(indent, shown)}{log}";
    }

    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            StopRequested = true;
            _ = NativeMethods.Kill(process.Id, stopSignal);
            if (!await WaitForExitAsync(stopTimeout))
            {
                Append($"[madbase] still running {stopTimeout.TotalSeconds} s after the stop signal; killing it");
                Kill();
            }
        }

        await WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Exited.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static void Register(ChildProcess child)
    {
        lock (LiveGate)
        {
            Live.Add(child);
        }

        if (Interlocked.Exchange(ref exitHookInstalled, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllNow();
        }
    }

    /// <summary>
    /// Last resort when our process ends without having stopped what it started (a crashed test run):
    /// newest first, so services go before the database they use.
    /// </summary>
    private static void StopAllNow()
    {
        ChildProcess[] live;
        lock (LiveGate)
        {
            live = [.. Live];
        }

        for (int i = live.Length - 1; i >= 0; i--)
        {
            ChildProcess child = live[i];
            if (child.process.HasExited)
            {
                continue;
            }

            child.StopRequested = true;
            _ = NativeMethods.Kill(child.process.Id, child.stopSignal);
            if (!child.process.WaitForExit(TimeSpan.FromSeconds(3)))
            {
                child.Kill();
            }
        }
    }

    private async Task WatchExitAsync()
    {
        await process.WaitForExitAsync();
        Append(string.Create(CultureInfo.InvariantCulture, $"[madbase] {Name} exited with code {process.ExitCode}"));
        lock (LiveGate)
        {
            Live.Remove(this);
        }

        lock (gate)
        {
            logClosed = true;
            log?.Dispose();
        }
    }

    private void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            if (tail.Count == TailCapacity)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line);
            if (!logClosed)
            {
                log?.WriteLine(line);
            }
        }
    }
}
