using Yarp.ReverseProxy.Forwarder;

namespace MadBase.Gateway.Upstreams;

/// <summary>Whose fault a failed forward was, as the passive health check and the error answer need to know.</summary>
internal static class ForwarderFailures
{
    /// <summary>
    /// True only when the destination itself failed: it refused or reset the connection, did not answer in
    /// time, or broke off its side of a body or an upgraded stream. YARP's TransportFailureRate already
    /// leaves out a client that went away and the client's side of a body; it still blames the destination
    /// for a request HttpClient refused to send (<see cref="IsUnforwardableRequest"/>), which is the one
    /// difference here.
    /// </summary>
    /// <remarks>
    /// Like YARP, a response the proxy could not pass back (bad response headers) and a body that fell
    /// silent past the activity timeout are not counted: one project's function can cause either (PostgREST's
    /// <c>response.headers</c>, a slow stream), and that must not take a worker out for every project.
    /// </remarks>
    public static bool IsDestinationFault(HttpContext context, IForwarderErrorFeature? error)
    {
        if (error is null || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        return error.Error switch
        {
            ForwarderError.Request => !IsUnforwardableRequest(error),
            ForwarderError.RequestTimedOut
                or ForwarderError.RequestBodyDestination
                or ForwarderError.ResponseBodyDestination
                or ForwarderError.UpgradeRequestDestination
                or ForwarderError.UpgradeResponseDestination => true,
            _ => false,
        };
    }

    /// <summary>
    /// The request was refused by HttpClient before anything reached the destination, e.g. a header value
    /// it cannot encode (<see cref="ForwardableHeadersMiddleware"/> catches the known cases first). HttpClient
    /// reports those as an <see cref="HttpRequestException"/> of no category and with no inner exception;
    /// a connection or protocol failure always has a category or an inner socket or I/O exception.
    /// </summary>
    public static bool IsUnforwardableRequest(IForwarderErrorFeature error) =>
        error is { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.Unknown, InnerException: null } };
}
