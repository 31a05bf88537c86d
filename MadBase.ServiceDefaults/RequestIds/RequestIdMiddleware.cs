using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace MadBase.ServiceDefaults.RequestIds;

/// <summary>
/// Gives every request one id: the client's when it is sane, a new one otherwise. The id becomes the
/// request's TraceIdentifier (so YARP and handlers see one value), is returned on the response, opens a
/// log scope (<see cref="RequestLogScope"/>, with the route and project) and tags the current span.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var sent = context.Request.Headers[RequestId.HeaderName].ToString();
        var id = RequestId.IsAcceptable(sent) ? sent : RequestId.New();

        context.TraceIdentifier = id;
        context.Request.Headers[RequestId.HeaderName] = id;
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            ctx.Response.Headers[RequestId.HeaderName] = ctx.TraceIdentifier;
            return Task.CompletedTask;
        }, context);

        Activity.Current?.SetTag("http.request_id", id);
        // Routing has already run (WebApplication puts it first), so the route template is known here; the project
        // is filled in once the request is tied to one (RequestProject.Identify).
        var scope = new RequestLogScope(id, (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
        context.Features.Set(scope);
        using (logger.BeginScope(scope))
        {
            await next(context);
        }
    }
}
