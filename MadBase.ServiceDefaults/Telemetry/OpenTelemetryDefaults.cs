using MadBase.ServiceDefaults.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MadBase.ServiceDefaults.Telemetry;

/// <summary>
/// Traces, metrics and logs as the Aspire service-defaults template wires them: ASP.NET Core, HttpClient and
/// runtime instrumentation here, Npgsql's and Redis's from their Aspire client integrations (Database/,
/// Messaging/), YARP's spans from its own ActivitySource, and the OTLP exporter for all three signals when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the AppHost sets it to the dashboard; compose leaves it to the operator).
/// Metrics are also scraped from <c>/metrics</c> (Metrics/), whether OTLP is on or not.
/// </summary>
internal static class OpenTelemetryDefaults
{
    /// <summary>The gateway's proxying spans (YARP 2.x reports forwarding through this source).</summary>
    private const string YarpSource = "Yarp.ReverseProxy";

    private const string NpgsqlMeter = "Npgsql";

    public static IHostApplicationBuilder AddOpenTelemetryDefaults(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // Aspire and compose name the service (and Aspire the instance, which the dashboard matches to its
                // resource) through OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, which the SDK reads itself;
                // elsewhere (the local stack) the project's name stands in for "unknown_service".
                if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(builder.Environment.ApplicationName);
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                // Npgsql's pool and command metrics (every data source: the system database's and each project's),
                // and MadBase's own instruments (Metrics/MadBaseMeters.cs).
                .AddMeter(NpgsqlMeter, MadBaseMeters.All)
                // /metrics (Metrics/MetricsEndpoint.cs) reads the same instruments the OTLP exporter sends.
                .AddPrometheusExporter());

        AddOpenTelemetryExporters(builder);
        return builder;
    }

    private static void AddOpenTelemetryExporters(IHostApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // Spans are recorded only when something receives them: recording every request's spans for no
            // exporter cost the gateway about a tenth of its CPU per proxied request (bench/gateway.sh). Without
            // it ASP.NET Core still starts each request's Activity, so logs keep their trace ids and outgoing
            // calls still carry traceparent.
            builder.Services.AddOpenTelemetry()
                .WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName, YarpSource)
                    // Probes (the gateway's every second per worker, the orchestrator's) would drown the requests.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request => !IsProbe(request.RequestUri?.AbsolutePath)))
                .UseOtlpExporter();

            // Over http/protobuf the exporters would take their HttpClients from IHttpClientFactory, and with them
            // the defaults every other client gets (Http/OutgoingHttp.cs): Polly's retries and timeouts around an
            // exporter that has its own, service discovery, and a request id. A plain client keeps export as OTLP
            // defines it (OTEL_EXPORTER_OTLP_TIMEOUT per export). Applies to all three signals (their defaults).
            builder.Services.Configure<OtlpExporterOptions>(options =>
                options.HttpClientFactory = () => new HttpClient { Timeout = TimeSpan.FromMilliseconds(options.TimeoutMilliseconds) });
            builder.Services.AddHostedService<TelemetryShutdown>();
        }
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(ServiceDefaultsExtensions.HealthPath) || path.StartsWithSegments(ServiceDefaultsExtensions.AlivePath);

    private static bool IsProbe(string? path) => path is not null && IsProbe(new PathString(path));
}
