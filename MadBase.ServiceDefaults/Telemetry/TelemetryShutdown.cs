using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MadBase.ServiceDefaults.Telemetry;

/// <summary>
/// Sends the last traces, metrics and logs once the host has stopped, all three at once and within
/// <see cref="Budget"/>. Left to themselves the providers flush as the container disposes them, one after the
/// other, each waiting up to 5 s for an export that itself waits up to its OTLP timeout (10 s): against a
/// collector that accepts connections but does not answer (a dashboard going away, a stalled collector) a
/// service took 10 s and more to exit after SIGTERM, longer than an orchestrator waits. Shut down here, the
/// providers' own disposal finds nothing left to wait for; an export still hanging is abandoned with the process
/// (the exporters run on background threads). A collector that answers gets its data in milliseconds.
/// </summary>
internal sealed class TelemetryShutdown(IServiceProvider services) : IHostedLifecycleService
{
    internal static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every hosted service has stopped, so what they log on the way out is sent too.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        var milliseconds = (int)Budget.TotalMilliseconds;
        var tracer = services.GetService<TracerProvider>();
        var meter = services.GetService<MeterProvider>();
        var logger = services.GetService<LoggerProvider>();

        // Shutdown blocks its thread; the three run side by side so the budget is the whole wait, not each one's.
        return Task.WhenAll(
            Task.Run(() => tracer?.Shutdown(milliseconds), CancellationToken.None),
            Task.Run(() => meter?.Shutdown(milliseconds), CancellationToken.None),
            Task.Run(() => logger?.Shutdown(milliseconds), CancellationToken.None));
    }
}
