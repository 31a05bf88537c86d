using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Realtime.Broadcast;
using MadBase.Worker.Realtime.Changes;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Realtime.Presence;

namespace MadBase.Worker.Realtime;

internal static class RealtimeModule
{
    /// <summary>The Realtime module's schema, its limits and the hubs every socket shares; Postgres changes included.</summary>
    public static IHostApplicationBuilder AddRealtimeModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RealtimeOptions>().BindConfiguration("Realtime")
            .Validate(o => o.MaxConcurrentUsers > 0 && o.MaxChannelsPerClient > 0 && o.MaxJoinsPerSecond > 0
                           && o.MaxEventsPerSecond > 0 && o.MaxPayloadSizeKb is > 0 and <= 100_000 && o.HeartbeatTimeoutSeconds > 0,
                "Realtime__* limits must be positive (Realtime__MaxPayloadSizeKb at most 100000)")
            .ValidateOnStart();
        builder.Services.AddSingleton<ITenantMigrationSource, RealtimeMigrations>();
        builder.Services.AddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<ChannelRegistry>();
        builder.Services.AddSingleton<BroadcastHub>();
        builder.Services.AddSingleton<PresenceHub>();
        builder.Services.AddSingleton<DatabaseBroadcasts>();
        builder.Services.AddSingleton<ChannelAuthorization>();
        builder.Services.AddSingleton<ChannelTokens>();
        builder.Services.AddSingleton<RealtimeLimits>();
        builder.Services.AddSingleton<RealtimeHubs>();
        builder.Services.AddSingleton<RealtimeErrorRenderer>();
        builder.Services.AddHostedService<PresenceSweeper>();
        builder.AddRealtimeChanges();
        return builder;
    }
}
