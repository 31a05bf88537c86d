using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// Between a worker dying and the health checks noticing (up to two probe intervals), round robin still
/// picks it. A request that could not even connect never reached it, so when the request is idempotent
/// and has no body to replay, it is sent once more to one of the other destinations. Runs before load
/// balancing, which narrows the candidates to the one it picked.
/// </summary>
internal sealed partial class ConnectRetryMiddleware(RequestDelegate next, ILogger<ConnectRetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;

        await next(context);

        var failed = proxy.ProxiedDestination;
        if (failed is null || candidates.Count < 2 || !CanRetry(context))
        {
            return;
        }

        LogRetry(logger, failed.DestinationId, context.Request.Method, context.Request.Path);
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature?>(null);
        proxy.ProxiedDestination = null;
        proxy.AvailableDestinations = candidates.Where(d => !ReferenceEquals(d, failed)).ToArray();
        await next(context);
    }

    private static bool CanRetry(HttpContext context)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        var request = context.Request;
        return error is { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } }
            && !context.Response.HasStarted
            && !context.RequestAborted.IsCancellationRequested
            && IsIdempotent(request.Method)
            && request.ContentLength is null or 0
            && request.Headers.TransferEncoding.Count == 0;
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning,
        Message = "Upstream {Destination} could not be reached; retrying {Method} {Path} on another")]
    private static partial void LogRetry(ILogger logger, string destination, string method, PathString path);
}
