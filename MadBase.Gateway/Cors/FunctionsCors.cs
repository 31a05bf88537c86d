using MadBase.Gateway.CoLocation;
using MadBase.ServiceDefaults.Functions;
using MadBase.ServiceDefaults.Projects;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.Cors;

/// <summary>
/// CORS on <c>/functions/v1</c>, as Supabase has it: the function answers its own preflights and sets its own
/// headers (the docs' <c>corsHeaders</c>), and the gateway leaves what a function answered exactly as it is — a
/// function that allows one origin must not be overruled. What no function answered (the gateway's and the
/// worker's own errors, a preflight for a function the project lacks) gets the gateway's
/// <see cref="GatewayCors.FunctionsPolicy"/>, so a browser can read those errors (Supabase's own 401s lack it).
/// </summary>
internal sealed class FunctionsCors(RequestDelegate next, ICorsService cors, ICorsPolicyProvider policies)
{
    public static bool Applies(HttpContext context) =>
        context.Request.Path.StartsWithSegments(KeyOptionalRoutes.Functions, StringComparison.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        var policy = context.Request.Headers.ContainsKey(HeaderNames.Origin)
            ? await policies.GetPolicyAsync(context, GatewayCors.FunctionsPolicy)
            : null;
        context.Response.OnStarting(() =>
        {
            if (policy is not null && !AnsweredByFunction(context))
            {
                cors.ApplyResult(cors.EvaluatePolicy(context, policy), context.Response);
            }

            context.Response.Headers.Remove(FunctionHeaders.PlatformAnswer);
            return Task.CompletedTask;
        });
        await next(context);
    }

    /// <summary>
    /// A worker's answer that it did not mark as its own: the function's response, forwarded by a worker behind this
    /// gateway or by the one inside it (co-located mode).
    /// </summary>
    private static bool AnsweredByFunction(HttpContext context) =>
        (context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is not null || LocalWorker.Reached(context))
        && context.Features.Get<IForwarderErrorFeature>() is null
        && !context.Response.Headers.ContainsKey(FunctionHeaders.PlatformAnswer);
}
