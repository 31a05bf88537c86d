using Microsoft.Extensions.Options;

namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>Evicts the schema caches of projects idle for <see cref="RestOptions.SchemaCacheIdleSeconds"/>, checking a few times per idle period.</summary>
internal sealed class SchemaCacheEviction(SchemaCacheStore store, IOptions<RestOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromSeconds(Math.Max(1, options.Value.SchemaCacheIdleSeconds));
        using var timer = new PeriodicTimer(idle / 4, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await store.EvictIdleAsync(time.GetUtcNow() - idle);
        }
    }
}
