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
    private static int s_exitHookInstalled;

    private readonly Process _process;
    private readonly StreamWriter? _log;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();
    private readonly int _stopSignal;
    private readonly TimeSpan _stopTimeout;
    private bool _logClosed;

    private ChildProcess(
        string name, Process process, string? logPath, StreamWriter? log, int stopSignal, TimeSpan stopTimeout)
    {
        Name = name;
        LogPath = logPath;
        _process = process;
        _log = log;
        _stopSignal = stopSignal;
        _stopTimeout = stopTimeout;
        Exited = Task.CompletedTask;
    }

    public string Name { get; }

    public string? LogPath { get; }

    public int Id => _process.Id;

    public int StopSignal => _stopSignal;

    // True only once Exited has completed, i.e. after the last lines of stdout/stderr were read: a caller
    // that sees the process gone and then describes the failure must find its final message in the output.
    public bool HasExited => Exited.IsCompleted && _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

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
        lock (_gate)
        {
            return [.. _tail];
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
        if (!_process.HasExited)
        {
            StopRequested = true;
            _ = NativeMethods.Kill(_process.Id, _stopSignal);
            if (!await WaitForExitAsync(_stopTimeout))
            {
                Append($"[madbase] still running {_stopTimeout.TotalSeconds} s after the stop signal; killing it");
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

        if (Interlocked.Exchange(ref s_exitHookInstalled, 1) == 0)
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
            if (child._process.HasExited)
            {
                continue;
            }

            child.StopRequested = true;
            _ = NativeMethods.Kill(child._process.Id, child._stopSignal);
            if (!child._process.WaitForExit(TimeSpan.FromSeconds(3)))
            {
                child.Kill();
            }
        }
    }

    private async Task WatchExitAsync()
    {
        await _process.WaitForExitAsync();
        Append(string.Create(CultureInfo.InvariantCulture, $"[madbase] {Name} exited with code {_process.ExitCode}"));
        lock (LiveGate)
        {
            Live.Remove(this);
        }

        lock (_gate)
        {
            _logClosed = true;
            _log?.Dispose();
        }
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
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

        lock (_gate)
        {
            if (_tail.Count == TailCapacity)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(line);
            if (!_logClosed)
            {
                _log?.WriteLine(line);
            }
        }
    }
}
