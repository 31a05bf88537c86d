using MadBase.ServiceDefaults.Errors;
using MadBase.ServiceDefaults.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// YARP reports a failed forward as a bare status code with an empty body and an
/// <see cref="IForwarderErrorFeature"/>; clients get the gateway's JSON error shape instead.
/// Outermost in the proxy pipeline, so it also covers the retry's second attempt.
/// </summary>
internal sealed partial class UpstreamErrorMiddleware(RequestDelegate next, ILogger<UpstreamErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is null || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        // A request HttpClient refused to send never reached the worker: YARP's 502 would blame the worker
        // for the client's request, so it is the client's 400 (ForwardableHeadersMiddleware refuses the
        // known cases before this; this covers whatever else HttpClient finds unsendable).
        var unforwardable = ForwarderFailures.IsUnforwardableRequest(error) && !context.Response.HasStarted;
        if (unforwardable)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        // YARP logs these at Information only: an upstream failing deserves a warning, a client's own mistake does not.
        var status = context.Response.StatusCode;
        var level = status >= 500 ? LogLevel.Warning : LogLevel.Information;
        LogFailed(logger, level, error.Exception, context.Request.Method, context.Request.Path, error.Error, status);
        if (context.Response.HasStarted)
        {
            return;
        }

        await ErrorResponse.WriteAsync(context, status, unforwardable ? "request cannot be forwarded" : Message(status));
    }

    internal static string Message(int status) => status switch
    {
        StatusCodes.Status503ServiceUnavailable => "no healthy upstream",
        StatusCodes.Status504GatewayTimeout => "upstream timed out",
        StatusCodes.Status502BadGateway => "upstream unavailable",
        StatusCodes.Status413PayloadTooLarge => "request body too large",
        StatusCodes.Status408RequestTimeout => "request body timed out",
        _ => "bad request",
    };

    [LoggerMessage(EventId = EventIds.UpstreamForwardingFailed, Message = "Forwarding {Method} {Path} failed with {Error}; answered {Status}")]
    private static partial void LogFailed(ILogger logger, LogLevel level, Exception? exception, string method, PathString path, ForwarderError error, int status);
}
