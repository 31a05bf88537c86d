using MadBase.Gateway.ApiKeys;
using MadBase.Gateway.Limits;
using MadBase.Worker;

namespace MadBase.Gateway.CoLocation;

/// <summary>
/// Co-located mode (<c>Gateway__CoLocated=true</c>): the gateway runs the worker's modules in its own process and
/// answers <c>/auth/v1</c>, <c>/rest/v1</c>, <c>/storage/v1</c>, <c>/realtime/v1</c> and <c>/functions/v1</c> itself,
/// after the same edge steps a proxied request takes (request id, CORS, rate limit, body limit, API key → project).
/// </summary>
/// <remarks>
/// Why it exists: on a small box the proxy hop, not Postgres, was MadBase's cost. A proxied primary-key GET spent
/// more CPU in the gateway and in the worker's second HTTP parse than the worker spent answering it (bench/rest.sh),
/// and no tuning of the hop got near the goal. One node that needs no second process serves the same
/// requests for the CPU of one. The distributed mode stays for deployments that scale workers apart from the edge;
/// Control stays a separate process in both (its routes are still proxied).
/// </remarks>
internal static class LocalWorker
{
    private const string Setting = GatewayOptions.Section + ":" + nameof(GatewayOptions.CoLocated);

    /// <summary>Set once a request has passed the edge steps and goes to the worker's endpoints.</summary>
    private static readonly object ReachedKey = new();

    public static bool IsCoLocated(this IHostApplicationBuilder builder) => IsOn(builder.Configuration);

    public static IHostApplicationBuilder AddLocalWorker(this IHostApplicationBuilder builder)
    {
        if (builder.IsCoLocated())
        {
            builder.AddWorkerServices();
        }

        return builder;
    }

    /// <summary>
    /// The edge steps YARP's pipeline runs for a proxied request, here for the worker's paths; then the worker's
    /// own middleware. The API key step strips a client's project header before anything reads it, as it does
    /// before a proxied request, so a forged header names no project here either.
    /// </summary>
    public static WebApplication UseLocalWorker(this WebApplication app)
    {
        if (!IsOn(app.Configuration))
        {
            return app;
        }

        app.UseWhen(context => WorkerPipeline.IsServicePath(context.Request.Path), branch =>
        {
            branch.UseMiddleware<RequestBodyLimitMiddleware>();
            branch.UseMiddleware<ApiKeyMiddleware>();
            branch.Use((context, next) =>
            {
                context.Items[ReachedKey] = true;
                return next(context);
            });
        });
        app.UseWorkerMiddleware();
        return app;
    }

    public static WebApplication MapLocalWorkerApis(this WebApplication app)
    {
        if (IsOn(app.Configuration))
        {
            app.MapWorkerApis();
        }

        return app;
    }

    /// <summary>Read before the options are bound: it decides which services and middleware there are.</summary>
    private static bool IsOn(IConfiguration configuration) => configuration.GetValue<bool>(Setting);

    /// <summary>Whether the request went on to this process's worker (in co-located mode), past the edge's own answers.</summary>
    public static bool Reached(HttpContext context) => context.Items.ContainsKey(ReachedKey);
}
