using MadBase.Cli;
using MadBase.ServiceDefaults.Lifetime;
using Microsoft.Extensions.Hosting;

namespace MadBase.AppHost.LocalServers;

/// <summary>
/// When the AppHost stops, DCP ends its processes within a fraction of a second, and SIGTERM is Postgres's
/// "smart" shutdown, which waits for every client to leave: the postmaster is killed before it is done and
/// the next start runs crash recovery. Registered after Aspire's own hosted services, this one stops first
/// and asks for a fast shutdown (SIGINT, as the CLI stops its cluster), which ends sessions and checkpoints.
/// </summary>
internal sealed class PostgresFastShutdown(PostgresExecutableResource server) : IHostedService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (PostmasterPidFile.RunningPostmaster(server.ClusterDirectory) is not { } pid
            || ProcFs.StartTime(pid) is not { } started
            || NativeMethods.Kill(pid, NativeMethods.SigInt) != 0)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            while (ProcFs.IsRunning(pid, started))
            {
                await Task.Delay(50, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // DCP stops it the hard way; the next start recovers.
        }
    }
}
