namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// The warm instances of one function version: a request goes to the least busy one; another is started when
/// all are at <see cref="FunctionsOptions.ConcurrencyPerInstance"/> and the pool is under its cap. An instance
/// that exited (a crash, the memory limit) is dropped, and the next request starts its replacement.
/// A retired pool (a newer version, changed secrets) takes no more requests and stops each instance once its
/// last request is done, so a deploy never cuts a request short.
/// </summary>
internal sealed class FunctionPool(Func<CancellationToken, Task<DenoInstance>> start, FunctionsOptions options)
{
    private readonly object gate = new();
    private readonly List<DenoInstance> instances = [];
    private Task<DenoInstance>? starting;
    private bool retired;

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
            }

            return instance;
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
