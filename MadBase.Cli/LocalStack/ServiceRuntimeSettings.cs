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
    };
}
