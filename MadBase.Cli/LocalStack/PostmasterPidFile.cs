namespace MadBase.Cli;

/// <summary>
/// Keeps a postmaster.pid left by a killed run from blocking a restart, without ever starting a second
/// server on a data directory some process still uses; and finds the postmaster someone else started
/// there (`pg_ctl restart`).
/// </summary>
internal static class PostmasterPidFile
{
    public static async Task ClearIfStaleAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        string pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        // Every Postgres process (postmaster and backends) runs with the data directory as its working
        // directory, so that finds the server and any backends a killed postmaster left behind.
        List<int> users = ProcessesWorkingIn(dataDirectory);
        int? postmaster = ReadPid(pidFile);
        if (postmaster is { } pid && users.Contains(pid))
        {
            throw new LocalStackException(
                $"A Postgres server (pid {pid}) is already running on {dataDirectory}. "
                + "Is another `madbase start` using this data directory? Stop it first.");
        }

        // Orphaned backends notice their postmaster's death within a second or so and exit.
        for (int attempt = 0; users.Count > 0 && attempt < 50; attempt++)
        {
            await Task.Delay(200, cancellationToken);
            users = ProcessesWorkingIn(dataDirectory);
        }

        if (users.Count > 0)
        {
            throw new LocalStackException(
                $"Processes {string.Join(", ", users)} still use {dataDirectory}; stop them before starting.");
        }

        File.Delete(pidFile);
    }

    /// <summary>The postmaster serving the directory now, as its postmaster.pid names it; null when none does.</summary>
    public static int? RunningPostmaster(string dataDirectory)
    {
        try
        {
            // Every Postgres process runs with the data directory as its working directory: a pid named by a
            // stale file and since reused by another process does not.
            return ReadPid(Path.Combine(dataDirectory, "postmaster.pid")) is { } pid
                && IsWorkingIn(pid, Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory)))
                ? pid
                : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // removed by a postmaster shutting down
        }
    }

    private static int? ReadPid(string pidFile)
    {
        string? first = File.ReadLines(pidFile).FirstOrDefault();
        return int.TryParse(first, out int pid) ? pid : null;
    }

    private static List<int> ProcessesWorkingIn(string directory)
    {
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var found = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int pid) && IsWorkingIn(pid, target))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    private static bool IsWorkingIn(int pid, string directory)
    {
        try
        {
            string? cwd = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
            return cwd is not null && Path.TrimEndingDirectorySeparator(cwd) == directory;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone meanwhile, or not ours to inspect
        }
    }
}
