using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// A slot outlives its holder while another worker claims it (<see cref="SlotInterest"/>); when the holder was
/// the last worker with subscribers and died without releasing, nobody would drop it until the next subscriber
/// came. Every <see cref="ChangeFeedOptions.SlotSweepSeconds"/>, each worker drops such a slot in the projects
/// it serves; a project in use anywhere is claimed, and its slot left alone.
/// </summary>
internal sealed class SlotSweeper(
    TenantDatabases databases, ProjectDirectory projects, SystemDatabase system, IOptions<ChangeFeedOptions> options, ILogger<SlotSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SlotSweepSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var projectRef in databases.OpenProjectRefs)
                {
                    try
                    {
                        if (await projects.FindAsync(projectRef, stoppingToken) is { } project)
                        {
                            await SlotInterest.SweepAsync(TenantConnections.Admin(project, system.ConnectionString), project.RealtimeSlot, stoppingToken);
                        }
                    }
                    catch (Exception e) when (e is NpgsqlException or TimeoutException)
                    {
                        // The project's database is down or going away; the next sweep tries again.
                        ChangeLog.SweepFailed(logger, projectRef, e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
