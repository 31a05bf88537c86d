using System.Globalization;
using MadBase.ServiceDefaults.Lifetime;

namespace MadBase.Cli;

/// <summary>
/// The servers a stack started, recorded in its data directory as pid, kernel start time and stop signal.
/// A CLI killed with SIGKILL cannot stop them (the services stop themselves, see ParentProcessWatch;
/// Postgres and Redis stay): the next start on the directory, once it holds the directory's lock, stops
/// what is left. The start time makes sure a recycled pid is never mistaken for one of ours.
/// </summary>
internal static class LeftoverServers
{
    private const string FileName = "servers.pids";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    public static void Record(string dataDirectory, int? pid, int stopSignal, string name)
    {
        if (pid is not { } id || ProcFs.StartTime(id) is not { } started)
        {
            return;
        }

        File.AppendAllText(
            Path.Combine(dataDirectory, FileName),
            string.Create(CultureInfo.InvariantCulture, $"{id} {started} {stopSignal} {name}\n"));
    }

    /// <summary>Stops the servers a previous run left; call only while holding the data directory's lock.</summary>
    public static async Task StopAsync(string dataDirectory, TextWriter progress, CancellationToken cancellationToken)
    {
        string file = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(file))
        {
            return;
        }

        var alive = new List<(int Pid, string Name)>();
        foreach (string line in await File.ReadAllLinesAsync(file, cancellationToken))
        {
            string[] parts = line.Split(' ', 4);
            if (parts.Length == 4
                && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid)
                && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long started)
                && int.TryParse(parts[2], CultureInfo.InvariantCulture, out int signal)
                && ProcFs.StartTime(pid) == started)
            {
                progress.WriteLine($"Stopping {parts[3]} (pid {pid}), left running by an earlier start that was killed");
                NativeMethods.Kill(pid, signal);
                alive.Add((pid, parts[3]));
            }
        }

        var deadline = DateTime.UtcNow + StopTimeout;
        while (alive.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
            alive.RemoveAll(server => !Directory.Exists($"/proc/{server.Pid}"));
        }

        foreach ((int pid, string _) in alive)
        {
            NativeMethods.Kill(pid, NativeMethods.SigKill);
        }

        File.Delete(file);
    }
}
