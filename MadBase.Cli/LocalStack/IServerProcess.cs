namespace MadBase.Cli;

/// <summary>
/// A server process of the stack: one we started (<see cref="ChildProcess"/>), or one someone else started
/// in its place that we took over (<see cref="AdoptedProcess"/>: the postmaster of a `pg_ctl restart`).
/// </summary>
internal interface IServerProcess
{
    string Name { get; }

    int Id { get; }

    /// <summary>The signal that stops it gracefully.</summary>
    int StopSignal { get; }

    bool HasExited { get; }

    /// <summary>Null while it runs, and for an adopted process, whose exit status goes to its own parent.</summary>
    int? ExitCode { get; }

    /// <summary>True once we asked it to stop, so an exit is expected rather than a crash.</summary>
    bool StopRequested { get; }

    /// <summary>Completes when the process has exited (and, for a child, its output is drained).</summary>
    Task Exited { get; }

    Task StopAsync();

    Task<bool> WaitForExitAsync(TimeSpan timeout);

    /// <summary>The message, then what is known of the process's last words and where its log is.</summary>
    string DescribeFailure(string message);
}
