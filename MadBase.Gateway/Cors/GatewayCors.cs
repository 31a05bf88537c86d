using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace MadBase.Gateway.Cors;

/// <summary>
/// Browser access, answered at the edge so a preflight needs no apikey and never reaches a worker.
/// The framework's middleware adds the headers when the response starts, so the gateway's own 401/429
/// errors carry them too and browsers can read those bodies.
/// </summary>
internal static class GatewayCors
{
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    /// <summary>What supabase-js, storage-js, realtime-js and tus-js-client (resumable uploads, Uppy) send.</summary>
    private static readonly string[] RequestHeaders =
    [
        "apikey", "authorization", "x-client-info", "content-type", "prefer", "range", "accept-profile",
        "content-profile", "x-upsert", "x-supabase-api-version", "x-request-id", "x-retry-count", "cache-control",
        "x-metadata", "tus-resumable", "upload-length", "upload-offset", "upload-metadata", "x-signature",
        // W3C trace context, sent by supabase-js 2.119 when tracePropagation is on (its cors.ts lists them).
        "traceparent", "tracestate", "baggage",
    ];

    /// <summary>What the clients read: PostgREST counts, storage ETags and locations, TUS offsets, error codes.</summary>
    private static readonly string[] ResponseHeaders =
    [
        "content-range", "x-total-count", "x-request-id", "x-sb-error-code", "content-length", "content-type", "etag",
        "location", "x-supabase-api-version", "tus-resumable", "tus-version", "tus-extension", "tus-max-size",
        "upload-offset", "upload-length", "upload-expires",
    ];

    public const string FunctionsPolicy = "functions";

    public static IHostApplicationBuilder AddGatewayCors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<GatewayOptions>>((cors, gateway) =>
        {
            cors.AddDefaultPolicy(policy => Build(policy, gateway.Value.Cors));
            // For what Edge Functions do not answer themselves: a function takes whatever headers its code reads.
            cors.AddPolicy(FunctionsPolicy, policy => BuildForFunctions(policy, gateway.Value.Cors));
        });
        return builder;
    }

    /// <summary>
    /// The framework's CORS for every route but <c>/functions/v1</c>, where functions answer their own
    /// (<see cref="FunctionsCors"/>).
    /// </summary>
    public static WebApplication UseGatewayCors(this WebApplication app)
    {
        app.UseWhen(context => !FunctionsCors.Applies(context), branch => branch.UseCors());
        app.UseWhen(FunctionsCors.Applies, branch => branch.UseMiddleware<FunctionsCors>());
        return app;
    }

    private static void Build(CorsPolicyBuilder policy, CorsSettings settings)
    {
        AllowOrigins(policy, settings);
        policy.WithMethods(Methods)
            .WithHeaders(RequestHeaders)
            .WithExposedHeaders(ResponseHeaders)
            .SetPreflightMaxAge(TimeSpan.FromSeconds(settings.MaxAgeSeconds));
    }

    private static void AllowOrigins(CorsPolicyBuilder policy, CorsSettings settings)
    {
        if (settings.AllowedOrigins.Length == 0 || settings.AllowedOrigins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            // A custom origin check (wildcard subdomains) also makes the framework send Vary: Origin
            // even for a single listed origin, so caches never serve one origin's answer to another.
            policy.WithOrigins(settings.AllowedOrigins).SetIsOriginAllowedToAllowWildcardSubdomains();
        }
    }

    private static void BuildForFunctions(CorsPolicyBuilder policy, CorsSettings settings)
    {
        AllowOrigins(policy, settings);
        policy.WithMethods(Methods).AllowAnyHeader()
            .WithExposedHeaders("x-relay-error", "x-request-id", "retry-after", "content-type", "content-length")
            .SetPreflightMaxAge(TimeSpan.FromSeconds(settings.MaxAgeSeconds));
    }
}
