using System.Diagnostics;
using MadBase.Cli;

namespace MadBase.Tests.LocalStack;

/// <summary>pg_ctl on a stack's cluster, as an administrator would run it: behind the stack's back.</summary>
internal static class PgCtl
{
    public static async Task RunAsync(string dataDirectory, params string[] arguments)
    {
        string pgCtl = Path.Combine(PostgresClusterOptions.DefaultBinDirectory, "pg_ctl");
        // Postgres runs as this account when we are root; pg_ctl must too.
        ServerAccount? account = ServerAccount.ForPostgres();
        var start = new ProcessStartInfo(account is null ? pgCtl : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] command = account is null ? [] : ["-u", account.Name, "--", pgCtl];
        // -l: a postmaster it starts must not hold our pipes open (nor could it write to our root-owned log).
        foreach (string argument in (string[])[.. command, .. arguments, "-D", dataDirectory, "-l", "/dev/null"])
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not run pg_ctl");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"pg_ctl {string.Join(' ', arguments)}: {await output}{await errors}");
    }
}
