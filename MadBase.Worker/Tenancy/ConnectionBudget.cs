using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// <c>Worker__MaxConnections</c>: the Postgres connections this worker's project pools may hold together, whatever
/// the number of projects (a cluster's request connections are at most workers × this). A tenth of the cap is kept for
/// pools without a connection: a project already served grows only below it, and past it waits for one of its own
/// connections (or takes the idle ones of a pool no request used for 10 s); a project without one takes the least
/// recently used pool's idle connections at the cap. When every connection is busy a request waits for one to come
/// back, and gives up after <see cref="Wait"/> with the 503 an unreachable database gets. Npgsql's own per-project cap
/// (<c>Worker__MaxPoolSizePerProject</c>) still bounds what one busy tenant takes.
/// </summary>
internal sealed partial class ConnectionBudget(
    IOptions<WorkerOptions> options, PoolConnectionCounts counts, TimeProvider time, ILogger<ConnectionBudget> logger)
{
    /// <summary>As long as Npgsql waits for a connection of a full pool (its default Timeout).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>How long a pool at the cap waits for one of its own connections before it looks again for room or a cold pool.</summary>
    /// <remarks>
    /// About one request's time: longer, and a worker whose pools filled its cap with many projects' bursts answered
    /// from behind these waits (bench/projects.sh: p50 130 ms, every request of a busy project waiting in turn).
    /// </remarks>
    private static readonly TimeSpan OwnWait = TimeSpan.FromMilliseconds(10);

    private readonly Lock gate = new();
    private readonly int cap = options.Value.MaxConnections;

    /// <summary>The part of the cap only pools without a connection may take: a tenth (none below a cap of 10).</summary>
    private readonly int reserve = options.Value.MaxConnections / 10;

    /// <summary>
    /// A pool unused this long is fair game at the cap even for a pool that has connections of its own: as long as
    /// Npgsql keeps an idle connection. One second was too short: with hundreds of projects sharing the requests, most
    /// pools sit a second between two, and each eviction of one only sent its next request to close another's
    /// (bench/projects.sh at 500 projects: about 2,000 evictions in one run).
    /// </summary>
    private readonly long coldTicks = time.TimestampFrequency * TenantConnections.IdleSeconds;
    private readonly HashSet<ProjectPool> pools = [];
    private readonly LinkedList<TaskCompletionSource> waiters = new();

    /// <summary>How often, at most, the cap asks Npgsql what its pools still hold (each ask visits every pool).</summary>
    private readonly long recountTicks = time.TimestampFrequency / 20;
    private long recounted;
    private int held;

    /// <summary>Takes room for one connection of <paramref name="pool"/>, closing another pool's idle ones or waiting if the worker is at its cap.</summary>
    public async ValueTask EnterAsync(ProjectPool pool, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(Wait.TotalSeconds * time.TimestampFrequency);
        var waitedForOwn = false;
        while (true)
        {
            ProjectPool? victim = null;
            LinkedListNode<TaskCompletionSource>? waiter = null;
            var own = false;
            var recount = false;
            lock (gate)
            {
                var now = time.GetTimestamp();
                pool.LastUsed = now;
                if (pool.Busy < pool.Held)
                {
                    // An idle connection of its own (or room one left behind): no new Postgres connection.
                    pool.Busy++;
                    return;
                }

                // A pool without a connection may fill the cap; one that has connections grows only while the
                // reserve stays free, so that bursts of projects already served never take the room a project
                // without one needs (else that project closes another's, whose next request closes a third's: a
                // chain of new connections, each a backend fork and an authentication, that never ends under load).
                if (held < (pool.Held == 0 ? cap : cap - reserve))
                {
                    pools.Add(pool);
                    pool.Held++;
                    pool.Busy++;
                    held++;
                    return;
                }

                // At the cap by our own count, which only ever overstates: Npgsql's pruning may have closed idle
                // connections since (a burst's extra ones), and that room goes to this request before anything is closed.
                if (now - recounted > recountTicks)
                {
                    recounted = now;
                    recount = true;
                }
                else if (LeastRecentlyUsedWithIdle(pool) is { } candidate
                    && (pool.Held == 0 || (waitedForOwn && now - candidate.LastUsed > coldTicks)))
                {
                    // A pool with no connection takes the least recently used pool's idle ones. One that has
                    // connections waits a moment for one of its own (a request takes milliseconds; a new connection
                    // costs Postgres a backend and both sides an authentication), and then takes only a pool no
                    // request used for a while: closing a pool in use just now only moves the shortage to its project.
                    victim = candidate;
                    held -= victim.Held - victim.Busy;
                    victim.Held = victim.Busy;
                }
                else
                {
                    own = pool.Held > 0;
                    waiter = (own ? pool.Waiters : waiters).AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }
            }

            if (recount)
            {
                Recount();
                continue;
            }

            if (victim is not null)
            {
                // Clear closes the pool's idle connections now (and its busy ones as they come back).
                victim.DataSource.Clear();
                LogEvicted(logger, victim.ProjectRef, pool.ProjectRef, cap);
                continue;
            }

            var left = TimeSpan.FromSeconds((deadline - time.GetTimestamp()) / (double)time.TimestampFrequency);
            try
            {
                await waiter!.Value.Task.WaitAsync(own ? OwnWait : left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken);
            }
            catch (Exception error) when (error is TimeoutException or OperationCanceledException)
            {
                lock (gate)
                {
                    waiter!.List?.Remove(waiter);
                }

                if (error is TimeoutException && own && time.GetTimestamp() < deadline)
                {
                    // Again, and then again every OwnWait: room, a cold pool or its own connection, whichever comes first.
                    waitedForOwn = true;
                    continue;
                }

                if (error is TimeoutException)
                {
                    LogExhausted(logger, pool.ProjectRef, cap);
                    throw new TimeoutException($"All {cap} database connections of this worker stayed busy for {Wait.TotalSeconds:F0} s");
                }

                throw;
            }
        }
    }

    /// <summary>Room for one connection of <paramref name="pool"/> only if it has an idle one: no new connection, no wait.</summary>
    public bool TryEnterIdle(ProjectPool pool)
    {
        lock (gate)
        {
            if (pool.Busy >= pool.Held)
            {
                return false;
            }

            pool.Busy++;
            return true;
        }
    }

    /// <summary>Whether <paramref name="pool"/> has no connection out and no request took one since <paramref name="unusedSince"/>.</summary>
    public bool IsIdle(ProjectPool pool, long unusedSince)
    {
        lock (gate)
        {
            return pool.Busy == 0 && pool.LastUsed < unusedSince;
        }
    }

    /// <summary>A connection of <paramref name="pool"/> came back (or failed to open).</summary>
    public void Leave(ProjectPool pool)
    {
        TaskCompletionSource? next = null;
        lock (gate)
        {
            pool.Busy--;
            if (pool.Retired)
            {
                // A retired pool's data source is disposed: the connection closed as it came back.
                pool.Held--;
                held--;
                if (pool.Held == 0)
                {
                    pools.Remove(pool);
                }
            }

            // A request of this project waiting for one of its own connections takes it first.
            next = Dequeue(pool.Waiters) ?? Dequeue(waiters);
        }

        next?.TrySetResult();
    }

    /// <summary>
    /// The pool is being disposed: its idle connections are gone, its busy ones go as they come back. A waiter may
    /// now have room.
    /// </summary>
    public void Retire(ProjectPool pool)
    {
        TaskCompletionSource? next = null;
        lock (gate)
        {
            pool.Retired = true;
            held -= pool.Held - pool.Busy;
            pool.Held = pool.Busy;
            if (pool.Held == 0)
            {
                pools.Remove(pool);
            }

            next = Dequeue(waiters);
        }

        next?.TrySetResult();
    }

    /// <summary>Lowers each pool's count to what Npgsql says it holds (never below the connections out now).</summary>
    private void Recount()
    {
        var actual = counts.Read();
        lock (gate)
        {
            foreach (var pool in pools)
            {
                var real = Math.Max(pool.Busy, Math.Min(pool.Held, actual.GetValueOrDefault(pool.PoolName)));
                held -= pool.Held - real;
                pool.Held = real;
            }

            pools.RemoveWhere(p => p.Held == 0);
        }
    }

    private static TaskCompletionSource? Dequeue(LinkedList<TaskCompletionSource> queue)
    {
        if (queue.First is not { } first)
        {
            return null;
        }

        queue.RemoveFirst();
        return first.Value;
    }

    private ProjectPool? LeastRecentlyUsedWithIdle(ProjectPool except)
    {
        ProjectPool? oldest = null;
        foreach (var candidate in pools)
        {
            if (candidate != except && !candidate.Retired && candidate.Held > candidate.Busy
                && (oldest is null || candidate.LastUsed < oldest.LastUsed))
            {
                oldest = candidate;
            }
        }

        return oldest;
    }

    [LoggerMessage(EventId = EventIds.TenantPoolEvicted, Level = LogLevel.Debug, Message = "Idle connections of project {ProjectRef} closed to make room for project {ForProjectRef} (Worker__MaxConnections {Cap})")]
    private static partial void LogEvicted(ILogger logger, string projectRef, string forProjectRef, int cap);

    [LoggerMessage(EventId = EventIds.TenantConnectionsExhausted, Level = LogLevel.Warning, Message = "Project {ProjectRef} waited in vain for a database connection: all {Cap} of this worker's (Worker__MaxConnections) stayed busy")]
    private static partial void LogExhausted(ILogger logger, string projectRef, int cap);
}
