using MadBase.ServiceDefaults.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// Between a worker dying and the health checks noticing (up to two probe intervals), load balancing still
/// picks it. A request that could not even connect never reached it: HttpClient connects before the
/// request content starts reading the client's body, so when none of the body was read either, the request,
/// whatever its method, is sent once more to one of the other destinations, which receives the body whole.
/// Runs before load balancing, which narrows the candidates to the one it picked.
/// </summary>
internal sealed partial class ConnectRetryMiddleware(RequestDelegate next, ILogger<ConnectRetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        var body = new ReadTrackingStream(context.Request.Body);
        context.Request.Body = body;

        await next(context);

        var failed = proxy.ProxiedDestination;
        if (failed is null || candidates.Count < 2 || body.WasRead || !CanRetry(context))
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
        return error is { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } }
            && !context.Response.HasStarted
            && !context.RequestAborted.IsCancellationRequested;
    }

    [LoggerMessage(EventId = EventIds.UpstreamConnectRetried, Level = LogLevel.Warning,
        Message = "Upstream {Destination} could not be reached; retrying {Method} {Path} on another")]
    private static partial void LogRetry(ILogger logger, string destination, string method, PathString path);
}
