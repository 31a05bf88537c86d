using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MadBase.ServiceDefaults.Telemetry;

/// <summary>
/// OTLP traces, metrics and logs when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The hosting package is
/// not on our package mirror, so the SDK is built here and owned by a hosted service that flushes it on
/// shutdown. ASP.NET Core, HttpClient, Npgsql and YARP emit their spans and meters natively.
/// </summary>
internal static class Telemetry
{
    public static readonly ActivitySource Source = new("MadBase");

    private static readonly string[] Sources = ["MadBase", "Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "Yarp.ReverseProxy"];
    private static readonly string[] Meters =
    [
        "MadBase", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime", "Npgsql",
    ];

    public static void Add(IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        void Resource(ResourceBuilder r) => r.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId);

        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeScopes = true;
            o.IncludeFormattedMessage = true;
            o.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName));
            o.AddOtlpExporter();
        });

        builder.Services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(Resource)
            .AddSource(Sources)
            .AddOtlpExporter()
            .Build());
        builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(Resource)
            .AddMeter(Meters)
            .AddOtlpExporter()
            .Build());
        builder.Services.AddHostedService<TelemetryLifetime>();
    }

    /// <summary>Creates the providers at start (so the first request is traced) and flushes them at stop.</summary>
    private sealed class TelemetryLifetime(TracerProvider tracer, MeterProvider meter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            tracer.ForceFlush(2000);
            meter.ForceFlush(2000);
            return Task.CompletedTask;
        }
    }
}
