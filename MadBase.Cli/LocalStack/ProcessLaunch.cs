using System.Diagnostics;

namespace MadBase.Cli;

/// <summary>Builds the command line for a server we start, and finds programs on PATH.</summary>
internal static class ProcessLaunch
{
    public static ProcessStartInfo Create(
        string executable, IEnumerable<string> arguments, ServerAccount? account, string workingDirectory)
    {
        var command = new List<string>();
        // A session of its own: Ctrl+C in the terminal reaches only us, so we stop the servers in order
        // (services before the database). setsid execs without forking, so the pid stays the server's.
        if (FindOnPath("setsid") is { } setsid)
        {
            command.Add(setsid);
        }

        if (account is not null)
        {
            if (FindOnPath("setpriv") is null)
            {
                throw new LocalStackException(
                    $"setpriv (util-linux) is needed to run servers as '{account.Name}' while running as root; "
                    + "install util-linux or run madbase as a normal user.");
            }

            command.AddRange(account.CommandPrefix());
        }

        command.Add(executable);
        command.AddRange(arguments);
        var startInfo = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory };
        foreach (string argument in command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    /// <summary>Runs a one-shot tool (initdb) to completion and returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToCompletionAsync(
        string description, ProcessStartInfo startInfo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        using var process = new Process { StartInfo = startInfo };
        var output = new System.Text.StringBuilder();
        var gate = new Lock();
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LocalStackException($"Could not run {description} ({startInfo.FileName}): {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new LocalStackException($"{description} did not finish within {timeout.TotalSeconds} s.");
        }

        lock (gate)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    public static string? FindOnPath(string program)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
