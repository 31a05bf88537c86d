using System.Diagnostics;

namespace MadBase.Cli;

/// <summary>Creates a new cluster: superuser 'postgres', scram-sha-256 over TCP, UTF-8.</summary>
internal static class PostgresInitdb
{
    public static async Task RunAsync(
        PostgresClusterOptions options, string initdb, ServerAccount? account, CancellationToken cancellationToken)
    {
        string dataDirectory = options.DataDirectory;
        string parent = Path.GetDirectoryName(dataDirectory)
            ?? throw new LocalStackException($"{dataDirectory} cannot be a cluster directory.");
        Directory.CreateDirectory(parent);
        if (Directory.Exists(dataDirectory))
        {
            // No PG_VERSION: what is there is the remains of an initdb that did not finish.
            Directory.Delete(dataDirectory, recursive: true);
        }

        CreatePrivateDirectory(dataDirectory, account);
        // The password goes through a file the server account can read, never through the command line.
        string passwordFile = Path.Combine(parent, $".pwfile-{Environment.ProcessId}");
        PrivateFile.WriteAtomically(passwordFile, options.SuperuserPassword + "\n");
        try
        {
            account?.TakeOwnership(passwordFile);
            List<string> arguments =
            [
                "-D", dataDirectory, "-U", PostgresCluster.Superuser, $"--pwfile={passwordFile}",
                "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", "--locale=C.UTF-8",
            ];
            if (options.SkipFsync)
            {
                arguments.Add("--no-sync");
            }

            ProcessStartInfo startInfo = ProcessLaunch.Create(initdb, arguments, account, dataDirectory);
            (int exitCode, string output) = await ProcessLaunch.RunToCompletionAsync(
                "initdb", startInfo, TimeSpan.FromMinutes(2), cancellationToken);
            if (exitCode != 0)
            {
                string hint = output.Contains("Permission denied", StringComparison.Ordinal) && account is not null
                    ? $"{Environment.NewLine}The '{account.Name}' user must be able to reach {dataDirectory}: "
                      + "choose a --data-dir whose parent directories are world-searchable (o+x), e.g. under /tmp."
                    : string.Empty;
                throw new LocalStackException($"initdb failed (exit code {exitCode}):{Environment.NewLine}{output.Trim()}{hint}");
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static void CreatePrivateDirectory(string path, ServerAccount? account)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new LocalStackException("The local stack runs Postgres on Linux only.");
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        account?.TakeOwnership(path);
    }
}
