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
    // One per project: starting a project's changes can wait on Postgres (a new slot waits for running
    // transactions), which must not hold up joins in other projects.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.Ordinal);
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
        var gate = gates.GetOrAdd(subscriber.Project.Ref, _ => new SemaphoreSlim(1, 1));
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
                foreach (var changes in projects.Values.Where(c => c.Count == 0 && DateTime.UtcNow - c.EmptySince > grace).ToList())
                {
                    var gate = gates.GetOrAdd(changes.Project.Ref, _ => new SemaphoreSlim(1, 1));
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        // Checked again under the project's gate: a join may have come in meanwhile.
                        if (changes.Count == 0 && projects.TryRemove(new KeyValuePair<string, ProjectChanges>(changes.Project.Ref, changes)))
                        {
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
        }
        catch (OperationCanceledException)
        {
        }
    }
}
