using MadBase.ServiceDefaults.Logging;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>Event ids 2650–2699.</summary>
internal static partial class ChangeLog
{
    [LoggerMessage(EventId = EventIds.RealtimeChangesStreaming, Level = LogLevel.Information, Message = "Realtime: project {ProjectRef} streams its changes from slot {Slot} on this worker")]
    public static partial void Streaming(ILogger logger, string projectRef, string slot);

    [LoggerMessage(EventId = EventIds.RealtimeReplicationStreamEnded, Level = LogLevel.Warning, Message = "Realtime: project {ProjectRef} replication stream ended; retrying")]
    public static partial void StreamFailed(ILogger logger, string projectRef, Exception error);

    [LoggerMessage(EventId = EventIds.RealtimeChangesStarted, Level = LogLevel.Information, Message = "Realtime: project {ProjectRef} changes started on this worker ({Elapsed:F0} ms)")]
    public static partial void Started(ILogger logger, string projectRef, double elapsed);

    [LoggerMessage(EventId = EventIds.RealtimeChangesStopped, Level = LogLevel.Information, Message = "Realtime: project {ProjectRef} changes stopped on this worker (no subscriber left)")]
    public static partial void Released(ILogger logger, string projectRef);

    [LoggerMessage(EventId = EventIds.RealtimeChangesRlsCheckFailed, Level = LogLevel.Warning, Message = "Realtime: project {ProjectRef} RLS check of {Count} changes failed for role {Role}; those subscribers miss them")]
    public static partial void CheckFailed(ILogger logger, string projectRef, int count, string role, Exception error);

    [LoggerMessage(EventId = EventIds.RealtimeSlotClaimLost, Level = LogLevel.Warning, Message = "Realtime: project {ProjectRef} slot claim was lost; claiming again")]
    public static partial void ClaimLost(ILogger logger, string projectRef);

    [LoggerMessage(EventId = EventIds.RealtimeChangesDeliveryFailed, Level = LogLevel.Warning, Message = "Realtime: project {ProjectRef} changes could not be delivered")]
    public static partial void DeliveryFailed(ILogger logger, string projectRef, Exception error);

    [LoggerMessage(EventId = EventIds.RealtimeSlotStreamedElsewhere, Level = LogLevel.Debug, Message = "Realtime: project {ProjectRef} slot {Slot} is streamed by another worker")]
    public static partial void HeldElsewhere(ILogger logger, string projectRef, string slot);

    [LoggerMessage(EventId = EventIds.RealtimeChangesBatchChecked, Level = LogLevel.Debug, Message = "Realtime: project {ProjectRef} batch of {Changes} changes for {Subscribers} subscribers in {Groups} role/claims groups, {Frames} frames: catalog {CatalogMs:F1} ms, RLS check {CheckMs:F1} ms, delivery {DeliveryMs:F1} ms")]
    public static partial void BatchChecked(
        ILogger logger, string projectRef, int changes, int subscribers, int groups, int frames, double catalogMs, double checkMs, double deliveryMs);

    [LoggerMessage(EventId = EventIds.RealtimeSlotSweepFailed, Level = LogLevel.Warning, Message = "Realtime: project {ProjectRef} could not be checked for a slot left unclaimed")]
    public static partial void SweepFailed(ILogger logger, string projectRef, Exception error);
}
