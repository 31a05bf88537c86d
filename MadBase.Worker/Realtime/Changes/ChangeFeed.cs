using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Postgres changes for the realtime socket: checks a channel's bindings against the catalog, keeps one
/// <see cref="ProjectChanges"/> per project with subscribers on this worker, and stops it
/// <see cref="ChangeFeedOptions.ReleaseAfterSeconds"/> after its last subscriber left.
/// </summary>
internal sealed class ChangeFeed : IChangeFeed, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ProjectChanges> projects = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly SystemDatabase system;
    private readonly ChangeFanOut fanOut;
    private readonly ChangeVisibility visibility;
    private readonly ChangeFeedOptions options;
    private readonly ILogger<ChangeFeed> logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task sweeper;

    public ChangeFeed(
        SystemDatabase system, ChangeFanOut fanOut, ChangeVisibility visibility, IOptions<ChangeFeedOptions> options, ILogger<ChangeFeed> logger)
    {
        this.system = system;
        this.fanOut = fanOut;
        this.visibility = visibility;
        this.options = options.Value;
        this.logger = logger;
        sweeper = Task.Run(() => ReleaseIdleAsync(stopping.Token));
    }

    public async Task AddAsync(IChangeSubscriber subscriber, CancellationToken cancellationToken)
    {
        var admin = TenantConnections.Admin(subscriber.Project, system.ConnectionString);
        await BindingCatalog.ValidateAsync(admin, subscriber.Bindings, cancellationToken);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!projects.TryGetValue(subscriber.Project.Ref, out var changes))
            {
                changes = new ProjectChanges(subscriber.Project, admin, fanOut, visibility, options, logger);
                await changes.StartAsync(cancellationToken);
                projects[subscriber.Project.Ref] = changes;
            }

            changes.Add(subscriber);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Remove(IChangeSubscriber subscriber)
    {
        if (projects.TryGetValue(subscriber.Project.Ref, out var changes))
        {
            changes.Remove(subscriber);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await sweeper;
        foreach (var changes in projects.Values)
        {
            await changes.StopAsync();
        }

        projects.Clear();
    }

    private async Task ReleaseIdleAsync(CancellationToken cancellationToken)
    {
        var grace = TimeSpan.FromSeconds(options.ReleaseAfterSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Clamp(options.ReleaseAfterSeconds / 4, 0.1, 1)));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    foreach (var changes in projects.Values.Where(c => c.Count == 0 && DateTime.UtcNow - c.EmptySince > grace).ToList())
                    {
                        projects.TryRemove(changes.Project.Ref, out _);
                        await changes.StopAsync();
                        ChangeLog.Released(logger, changes.Project.Ref);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
