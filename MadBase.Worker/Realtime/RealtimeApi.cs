using MadBase.Worker.Realtime.Broadcast;
using MadBase.Worker.Realtime.Socket;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime;

/// <summary>Supabase Realtime at <c>/realtime/v1</c>: the Phoenix socket, broadcast, presence and their REST door.</summary>
internal static class RealtimeApi
{
    public static IEndpointRouteBuilder MapRealtimeApi(this IEndpointRouteBuilder routes)
    {
        var realtime = routes.MapGroup("/realtime/v1").AddEndpointFilter<TenantFilter<RealtimeErrorRenderer>>();
        realtime.Map("/websocket", RealtimeSocketEndpoint.AcceptAsync);
        realtime.MapPost("/api/broadcast", BroadcastEndpoint.SendBatchAsync);
        realtime.MapPost("/api/broadcast/{topic}/events/{event}", BroadcastEndpoint.SendOneAsync);
        return routes;
    }
}
