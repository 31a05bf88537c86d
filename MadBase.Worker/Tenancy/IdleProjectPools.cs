using Microsoft.Extensions.Options;

namespace MadBase.Worker.Tenancy;

/// <summary>Closes the pools of projects unused for <see cref="WorkerOptions.ProjectIdleSeconds"/>, checking a few times per idle period.</summary>
internal sealed class IdleProjectPools(TenantDatabases databases, IOptions<WorkerOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromSeconds(options.Value.ProjectIdleSeconds);
        using var timer = new PeriodicTimer(idle / 4, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await databases.CloseIdleAsync(time.GetTimestamp() - (long)(idle.TotalSeconds * time.TimestampFrequency));
        }
    }
}
