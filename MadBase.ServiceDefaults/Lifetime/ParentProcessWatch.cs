using System.Globalization;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MadBase.ServiceDefaults.Lifetime;

/// <summary>
/// <c>MADBASE_PARENT_PID</c>: the local stack's CLI that started this service. Killed with SIGKILL, the CLI
/// cannot stop its children, so each service stops itself, gracefully, once the kernel has given it a new
/// parent. Unset (Docker, Aspire, a service run by hand), this does nothing.
/// </summary>
internal sealed partial class ParentProcessWatch(
    IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<ParentProcessWatch> logger) : BackgroundService
{
    public const string Variable = "MADBASE_PARENT_PID";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration[Variable], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || ProcFs.ParentOf("self") is not { } current || current != parent)
        {
            return; // not started by the CLI, or already orphaned before we looked: nothing to follow
        }

        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (ProcFs.ParentOf("self") != parent)
            {
                LogParentGone(logger, parent);
                lifetime.StopApplication();
                return;
            }
        }
    }

    [LoggerMessage(EventId = EventIds.ParentProcessGone, Level = LogLevel.Warning, Message = "The madbase CLI (pid {ParentPid}) is gone; stopping")]
    private static partial void LogParentGone(ILogger logger, int parentPid);
}
