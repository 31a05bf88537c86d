namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// The warm instances of one function version: a request goes to the least busy one; another is started when
/// all are at <see cref="FunctionsOptions.ConcurrencyPerInstance"/> and the pool is under its cap. An instance
/// that exited (a crash, the memory limit) is dropped, and the next request starts its replacement.
/// A retired pool (a newer version, changed secrets) takes no more requests and stops each instance once its
/// last request is done, so a deploy never cuts a request short.
/// A version that fails to boot is not started again on every request: the failure is answered again until a
/// back-off (2 s, doubling to 30 s) has passed, so a broken deploy under traffic costs one Deno start at a
/// time, not one per request. A new deploy is a new pool and starts at once.
/// </summary>
internal sealed class FunctionPool(Func<CancellationToken, Task<DenoInstance>> start, FunctionsOptions options)
{
    private readonly object gate = new();
    private readonly List<DenoInstance> instances = [];
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private Task<DenoInstance>? starting;
    private bool retired;
    private FunctionBootException? bootFailure;
    private int bootFailures;
    private long retryAt;

    /// <summary>Set when a request had to wait for an instance to start: a cold start, for the metrics.</summary>
    public sealed record Lease(DenoInstance Instance, bool Cold);

    public bool IsRetired
    {
        get
        {
            lock (gate)
            {
                return retired;
            }
        }
    }

    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        var cold = false;
        while (true)
        {
            Task<DenoInstance> pending;
            lock (gate)
            {
                instances.RemoveAll(i => i.HasExited);
                var best = instances.MinBy(i => i.InFlight);
                if (best is not null && (best.InFlight < options.ConcurrencyPerInstance || starting is not null
                    || instances.Count >= options.MaxInstancesPerFunction))
                {
                    best.Enter();
                    return new Lease(best, cold);
                }

                if (starting is null && bootFailure is not null && Environment.TickCount64 < retryAt)
                {
                    throw new FunctionBootException(bootFailure.Message, bootFailure, RetryAfter());
                }

                starting ??= StartOneAsync();
                pending = starting;
            }

            cold = true;
            await pending.WaitAsync(cancellationToken);
        }
    }

    public async Task ReleaseAsync(DenoInstance instance)
    {
        instance.Leave();
        bool stop;
        lock (gate)
        {
            stop = retired && instance.InFlight == 0 && instances.Remove(instance);
        }

        if (stop)
        {
            await instance.DisposeAsync();
        }
    }

    /// <summary>Replaces an instance that overran the request's time limit: it may be stuck for good.</summary>
    public async Task ReplaceAsync(DenoInstance instance)
    {
        lock (gate)
        {
            instances.Remove(instance);
        }

        await instance.DisposeAsync();
    }

    /// <summary>Stops the instances idle for longer than the limit (all idle ones once retired); true when none is left.</summary>
    public async Task<bool> StopIdleAsync(TimeSpan idle)
    {
        List<DenoInstance> stopping;
        bool empty;
        lock (gate)
        {
            stopping = instances.Where(i => i.HasExited || (i.InFlight == 0 && (retired || i.IdleFor >= idle))).ToList();
            instances.RemoveAll(stopping.Contains);
            empty = instances.Count == 0 && starting is null;
        }

        foreach (var instance in stopping)
        {
            await instance.DisposeAsync();
        }

        return empty;
    }

    public Task RetireAsync()
    {
        lock (gate)
        {
            retired = true;
        }

        return StopIdleAsync(TimeSpan.Zero);
    }

    /// <summary>How long until the next start is tried (under the lock).</summary>
    private TimeSpan RetryAfter() => TimeSpan.FromMilliseconds(Math.Max(0, retryAt - Environment.TickCount64));

    private async Task<DenoInstance> StartOneAsync()
    {
        // Always asynchronous, so the caller's lock is released before anything here runs.
        await Task.Yield();
        try
        {
            // Not the request's token: the instance outlives the request that started it.
            var instance = await start(CancellationToken.None);
            lock (gate)
            {
                instances.Add(instance);
                bootFailure = null;
                bootFailures = 0;
            }

            return instance;
        }
        catch (FunctionBootException e)
        {
            lock (gate)
            {
                bootFailure = e;
                var backoff = FirstBackoff * Math.Pow(2, Math.Min(bootFailures++, 10));
                retryAt = Environment.TickCount64 + (long)Math.Min(backoff.TotalMilliseconds, MaxBackoff.TotalMilliseconds);
            }

            throw new FunctionBootException(e.Message, e, RetryAfter());
        }
        finally
        {
            lock (gate)
            {
                starting = null;
            }
        }
    }
}
