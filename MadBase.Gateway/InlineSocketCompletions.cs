using MadBase.Gateway.CoLocation;

namespace MadBase.Gateway;

/// <summary>
/// Runs socket completions on the thread that polled the socket instead of queueing each to the thread pool. A proxied request completes four socket operations (read the client,
/// write the worker, read the worker, write the client); handing each to another thread cost the gateway more CPU in
/// context switches and futex wake-ups than YARP spends on the request (bench/gateway.sh and perf). It is safe here
/// because nothing on the gateway's request path blocks a thread; the workers, whose handlers call libraries we do
/// not control, keep the defaults. (Kestrel's UnsafePreferInlineScheduling, which also runs the request on that
/// thread, was tried beside it and doubled the gateway's CPU per request.)
/// </summary>
internal static class InlineSocketCompletions
{
    // .NET reads this variable once, when the first socket is polled, and only from the environment.
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Call right after the builder is created, before anything opens a socket. Not in co-located mode: the worker's
    /// handlers run in this process then, and one that blocks would stall every socket its thread polls.
    /// </summary>
    public static WebApplicationBuilder UseInlineSocketCompletions(this WebApplicationBuilder builder)
    {
        if (!builder.IsCoLocated())
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }

        return builder;
    }
}
