using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime;

/// <summary>
/// What every /realtime/v1 handler needs, as one [AsParameters] record: the request's <see cref="Tenant"/> and the
/// worker's <see cref="RealtimeHubs"/>, the one set of hubs every socket and broadcast shares.
/// </summary>
internal sealed record RealtimeServices(Tenant Tenant, RealtimeHubs Hubs, ILoggerFactory Loggers);
