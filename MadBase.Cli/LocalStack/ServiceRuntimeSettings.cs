namespace MadBase.Cli;

/// <summary>
/// The .NET runtime settings every MadBase service (Control, a Worker, the Gateway) runs with, wherever it is
/// started: the local stack and the test fixtures pass them to each service process, the AppHost to each project
/// resource, and the Dockerfile repeats them as ENV.
/// </summary>
internal static class ServiceRuntimeSettings
{
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // The GC sizes its gen0 budget from the L3 cache the CPU reports. Cloud VMs such as ours report a whole
        // socket's (260 MiB here), so an idle service, allocating a few KB/s for health probes and telemetry, went
        // 30 minutes and more without one collection while its RSS climbed — the "growth" issue 10 measured. A 16 MiB
        // cap is what .NET picks on ordinary hardware, so throughput under load is what it is there. The runtime
        // reads this knob only from the environment: runtimeconfig's System.GC.Gen0Size is ignored (checked).
        ["DOTNET_GCgen0MaxBudget"] = "0x1000000",
        // An idle thread-pool thread spins (sched_yield) before it sleeps, betting that work comes within microseconds.
        // On a small box shared by the gateway, workers and Postgres that bet loses: behind the gateway a worker spent
        // a third of its CPU in sched_yield, and its CPU per request was 5x what it is when called directly. Without
        // spinning, bench/gateway.sh measured 3x less worker CPU per proxied request and no loss of throughput.
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
    };
}
