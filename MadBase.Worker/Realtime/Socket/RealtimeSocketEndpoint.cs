using MadBase.ServiceDefaults.Security;
using Microsoft.Net.Http.Headers;

namespace MadBase.Worker.Realtime.Socket;

/// <summary>
/// <c>GET /realtime/v1/websocket?apikey=…&amp;vsn=…</c>: the project comes from the Gateway (which read the
/// apikey from the query string), the socket's default token is that key; each join may bring its own.
/// </summary>
internal static class RealtimeSocketEndpoint
{
    public static async Task<IResult> AcceptAsync([AsParameters] RealtimeServices services)
    {
        var tenant = services.Tenant;
        var context = tenant.Http;

        if (PhoenixSerializer.For(context.Request.Query["vsn"]) is not { } serializer)
        {
            return Results.Json(new { error = "unsupported vsn: use 1.0.0 or 2.0.0" }, statusCode: StatusCodes.Status400BadRequest);
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Results.Json(new { error = "expected a WebSocket upgrade" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var token = BearerToken.Read(context.Request.Headers[HeaderNames.Authorization].ToString());
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var session = new RealtimeSession(socket, tenant.Project, token, serializer, services.Hubs, services.Loggers.CreateLogger<RealtimeSession>());
        await session.RunAsync(context.RequestAborted);
        return Results.Empty;
    }
}
