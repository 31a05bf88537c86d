using MadBase.Worker.Realtime.Broadcast;
using MadBase.Worker.Realtime.Changes;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Realtime.Presence;

namespace MadBase.Worker.Realtime;

/// <summary>What every realtime socket shares, one per worker.</summary>
internal sealed class RealtimeHubs(
    ChannelRegistry registry,
    BroadcastHub broadcasts,
    PresenceHub presence,
    DatabaseBroadcasts database,
    ChannelAuthorization authorization,
    ChannelTokens tokens,
    RealtimeLimits limits,
    TimeProvider time,
    IServiceProvider services)
{
    public ChannelRegistry Registry => registry;

    public BroadcastHub Broadcasts => broadcasts;

    public PresenceHub Presence => presence;

    public DatabaseBroadcasts Database => database;

    public ChannelAuthorization Authorization => authorization;

    public ChannelTokens Tokens => tokens;

    public RealtimeLimits Limits => limits;

    public TimeProvider Time => time;

    /// <summary>Postgres changes, when a feed is registered; null refuses postgres_changes bindings.</summary>
    public IChangeFeed? ChangeFeed { get; } = services.GetService<IChangeFeed>();
}
