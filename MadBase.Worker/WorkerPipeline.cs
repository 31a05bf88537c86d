using MadBase.Worker.Auth;
using MadBase.Worker.Functions;
using MadBase.Worker.Realtime;
using MadBase.Worker.Rest;
using MadBase.Worker.Storage;
using MadBase.Worker.Storage.S3;

namespace MadBase.Worker;

/// <summary>
/// The worker's request pipeline after the service defaults: shared by the worker's own process and by a gateway
/// that serves the worker in-process (co-located mode), so both answer the same routes the same way.
/// </summary>
internal static class WorkerPipeline
{
    /// <summary>
    /// The path prefixes the worker answers, one per service. Nothing else on a worker is public: the gateway
    /// proxies only these, and a co-located gateway sends only these to the worker's endpoints.
    /// </summary>
    public static readonly string[] ServicePrefixes = ["/auth/v1", "/rest/v1", "/storage/v1", "/realtime/v1", "/functions/v1"];

    /// <summary>WebSockets (realtime) and S3's SigV4 check; they need the project, so they come after whatever names it.</summary>
    public static IApplicationBuilder UseWorkerMiddleware(this IApplicationBuilder app)
    {
        app.UseWebSockets();
        app.UseS3Authentication();
        return app;
    }

    public static IEndpointRouteBuilder MapWorkerApis(this IEndpointRouteBuilder app)
    {
        app.MapAuthApi();
        app.MapRestApi();
        app.MapStorageApi();
        app.MapRealtimeApi();
        app.MapFunctionsApi();
        return app;
    }

    public static bool IsServicePath(PathString path)
    {
        foreach (var prefix in ServicePrefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
