using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// Per test class: two upstream "workers", one upstream "control" and a gateway in front of them,
/// started by the first test (a class fixture cannot take the stack in its constructor) and stopped
/// after the last.
/// </summary>
public sealed class GatewayRig : IAsyncLifetime
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private GatewayProcess? gateway;

    public UpstreamServer WorkerA { get; private set; } = null!;

    public UpstreamServer WorkerB { get; private set; } = null!;

    public UpstreamServer Control { get; private set; } = null!;

    internal GatewayProcess Gateway => gateway ?? throw new InvalidOperationException("Call EnsureStartedAsync first.");

    public HttpClient Client => Gateway.Client;

    /// <summary>Settings for this rig's gateway; set by the test class before the first start.</summary>
    public Dictionary<string, string> Settings { get; } = new()
    {
        // Short enough for a timeout test, long enough for any healthy request on a loaded machine.
        ["Gateway__UpstreamTimeoutSeconds"] = "5",
    };

    public async Task EnsureStartedAsync(StackFixture stack)
    {
        await gate.WaitAsync();
        try
        {
            if (gateway is not null)
            {
                return;
            }

            WorkerA = await UpstreamServer.StartAsync("a");
            WorkerB = await UpstreamServer.StartAsync("b");
            Control = await UpstreamServer.StartAsync("control");
            gateway = await GatewayProcess.StartAsync(stack, [WorkerA, WorkerB], Control, Settings);
        }
        finally
        {
            gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        foreach (var upstream in new[] { WorkerA, WorkerB, Control })
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }
        }

        gate.Dispose();
    }
}
