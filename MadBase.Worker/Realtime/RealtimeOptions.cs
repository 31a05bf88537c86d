namespace MadBase.Worker.Realtime;

/// <summary>
/// Realtime's limits, per project, with Supabase Realtime's defaults (TENANT_MAX_* in its runtime config).
/// Bound from <c>Realtime__*</c>.
/// </summary>
internal sealed class RealtimeOptions
{
    /// <summary>Sockets with at least one joined channel, across all workers.</summary>
    public int MaxConcurrentUsers { get; set; } = 200;

    public int MaxChannelsPerClient { get; set; } = 100;

    /// <summary>Joins per second, counted by each worker for its own sockets.</summary>
    public int MaxJoinsPerSecond { get; set; } = 100;

    /// <summary>Broadcast and presence messages per second, counted by each worker for its own sockets.</summary>
    public int MaxEventsPerSecond { get; set; } = 100;

    public int MaxPayloadSizeKb { get; set; } = 3000;

    /// <summary>
    /// A socket that sends nothing (realtime-js heartbeats every 25 s) for this long is closed, and its
    /// presences leave; a dead worker's presences leave after the same time. Phoenix's default is 60 s.
    /// </summary>
    public int HeartbeatTimeoutSeconds { get; set; } = 60;

    public int MaxPayloadBytes => MaxPayloadSizeKb * 1024;

    public TimeSpan HeartbeatTimeout => TimeSpan.FromSeconds(HeartbeatTimeoutSeconds);
}
