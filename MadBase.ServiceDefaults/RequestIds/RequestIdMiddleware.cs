using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MadBase.ServiceDefaults.RequestIds;

/// <summary>
/// Gives every request one id: the client's when it is sane, a new one otherwise. The id becomes the
/// request's TraceIdentifier (so YARP and handlers see one value), is returned on the response, opens a
/// log scope and tags the current span.
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
        using (logger.BeginScope(new RequestIdScope(id)))
        {
            await next(context);
        }
    }

    /// <summary>A scope that JSON console and OTLP log exporters both render as <c>RequestId</c>.</summary>
    private sealed class RequestIdScope(string id) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new("RequestId", id) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{id}";
    }
}
