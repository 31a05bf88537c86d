using System.Threading.Channels;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// One project's changes on this worker, alive while it has subscribers here (and a grace period after the
/// last one left): the claim on the slot, the attempt to stream it, the fan-out listener, and the loop that
/// runs each batch of changes through the subscribers' RLS check.
/// </summary>
internal sealed class ProjectChanges(
    Project project, string adminConnectionString, ChangeFanOut fanOut, ChangeVisibility visibility, ChangeFeedOptions options, ILogger logger)
{
    // Unbounded: dropping here would lose a committed change; a worker that cannot keep up falls behind, and
    // each socket's own send queue decides what a slow client loses.
    private readonly Channel<WalTransaction> inbox = Channel.CreateUnbounded<WalTransaction>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stopping = new();
    private readonly object gate = new();
    private readonly List<Task> loops = [];
    private IChangeSubscriber[] subscribers = [];
    private SlotInterest? interest;

    public Project Project => project;

    /// <summary>Set once stopped; a subscriber arriving then starts a new instance.</summary>
    public bool Stopped { get; private set; }

    public DateTime EmptySince { get; private set; } = DateTime.UtcNow;

    public int Count => Volatile.Read(ref subscribers).Length;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Listening before the slot is claimed: the holder may be another worker, already streaming.
        // What was cached while no stream ran here may be out of date.
        visibility.Forget(project.Ref);
        await fanOut.ListenAsync(project.Ref, Receive);
        interest = await SlotInterest.AcquireAsync(adminConnectionString, project.RealtimeSlot, cancellationToken);
        var stream = new SlotStream(project, adminConnectionString, fanOut, options, logger);
        loops.Add(Task.Run(() => stream.RunAsync(stopping.Token), CancellationToken.None));
        loops.Add(Task.Run(() => ProcessAsync(stopping.Token), CancellationToken.None));
        loops.Add(Task.Run(() => KeepClaimAsync(stopping.Token), CancellationToken.None));
        ChangeLog.Started(logger, project.Ref, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public void Add(IChangeSubscriber subscriber)
    {
        lock (gate)
        {
            subscribers = [.. subscribers, subscriber];
        }
    }

    public void Remove(IChangeSubscriber subscriber)
    {
        lock (gate)
        {
            var left = subscribers.Where(s => !ReferenceEquals(s, subscriber)).ToArray();
            if (left.Length == 0 && subscribers.Length > 0)
            {
                EmptySince = DateTime.UtcNow;
            }

            subscribers = left;
        }
    }

    public async Task StopAsync()
    {
        Stopped = true;
        fanOut.Stop(project.Ref, Receive);
        await stopping.CancelAsync();
        await Task.WhenAll(loops);
        if (interest is not null)
        {
            await interest.DisposeAsync();
        }

        stopping.Dispose();
    }

    private void Receive(WalTransaction transaction) => inbox.Writer.TryWrite(transaction);

    private async Task ProcessAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await inbox.Reader.WaitToReadAsync(cancellationToken))
            {
                // Whatever queued up while the previous batch was checked goes in one check: one round trip per
                // batch, however many changes and subscribers.
                var changes = new List<WalChange>();
                while (changes.Count < 1000 && inbox.Reader.TryRead(out var transaction))
                {
                    // Before any of the batch is checked: the refreshed tables' changes come after their new definition.
                    if (transaction.Refreshed is { } refreshed)
                    {
                        visibility.Forget(project.Ref, refreshed);
                    }

                    changes.AddRange(transaction.Changes);
                }

                try
                {
                    await visibility.DeliverAsync(project, changes, Volatile.Read(ref subscribers), cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    ChangeLog.DeliveryFailed(logger, project.Ref, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A claim lost with its session (Postgres restarted, the backend ended) is claimed again.</summary>
    private async Task KeepClaimAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                if (interest is not null && !await interest.IsAliveAsync(cancellationToken))
                {
                    ChangeLog.ClaimLost(logger, project.Ref);
                    await interest.DisposeAsync();
                    interest = null;
                }

                if (interest is null)
                {
                    try
                    {
                        interest = await SlotInterest.AcquireAsync(adminConnectionString, project.RealtimeSlot, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        ChangeLog.StreamFailed(logger, project.Ref, e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
