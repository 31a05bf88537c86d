using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Projects;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// The worker's Deno instances, one <see cref="FunctionPool"/> per function version in use. A project change
/// (deploy, delete, secrets) retires that project's pools: the next request starts instances of what is
/// stored now, while requests in flight finish where they are. Idle instances are stopped every few seconds.
/// </summary>
internal sealed class FunctionRuntime : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<DeployedFunction, FunctionPool> pools = new();
    private readonly FunctionCode code;
    private readonly FunctionEnvironment environment;
    private readonly FunctionsFolders folders;
    private readonly FunctionsOptions options;
    private readonly DenoBinary deno;
    private readonly FunctionConsole console;
    private readonly TimeProvider time;
    private readonly ILogger<FunctionRuntime> logger;

    public FunctionRuntime(
        FunctionCatalog catalog, FunctionCode code, FunctionEnvironment environment, FunctionsFolders folders,
        IOptions<FunctionsOptions> options, DenoBinary deno, FunctionConsole console, TimeProvider time, ILogger<FunctionRuntime> logger)
    {
        this.code = code;
        this.environment = environment;
        this.folders = folders;
        this.options = options.Value;
        this.deno = deno;
        this.console = console;
        this.time = time;
        this.logger = logger;
        catalog.Changed += projectRef => _ = RetireAsync(projectRef);
    }

    /// <summary>The pool of this version, made on first use; null when the version's code is no longer stored.</summary>
    public FunctionPool Pool(DeployedFunction function, Project project) =>
        pools.GetOrAdd(function, f => new FunctionPool(ct => StartAsync(f, project, ct), options));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var pool in pools.Values)
        {
            await pool.RetireAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var (function, pool) in pools)
            {
                if (await pool.StopIdleAsync(TimeSpan.FromSeconds(options.IdleSeconds)))
                {
                    pools.TryRemove(new KeyValuePair<DeployedFunction, FunctionPool>(function, pool));
                }
            }
        }
    }

    private async Task RetireAsync(string projectRef)
    {
        foreach (var (function, pool) in pools.Where(p => p.Key.ProjectRef == projectRef))
        {
            pools.TryRemove(new KeyValuePair<DeployedFunction, FunctionPool>(function, pool));
            await pool.RetireAsync();
        }
    }

    private async Task<DenoInstance> StartAsync(DeployedFunction function, Project project, CancellationToken cancellationToken)
    {
        var files = await code.PrepareAsync(function, cancellationToken)
            ?? throw new FunctionGoneException();
        var launch = new DenoLaunch(function, files.Folder, files.Entry, await environment.BuildAsync(project, cancellationToken));
        return await DenoInstance.StartAsync(launch, deno.Path, folders, options, console, logger, cancellationToken);
    }
}

/// <summary>The version's bundle was pruned between reading the function and starting it: a later deploy won.</summary>
internal sealed class FunctionGoneException() : Exception("the function's version is no longer stored");
