namespace MadBase.ServiceDefaults.Logging;

/// <summary>
/// Every logging event id of MadBase, in one place (as YARP's <c>EventIds</c>): each
/// <c>[LoggerMessage(EventId = EventIds.X, …)]</c> names one of these, so an id means one event in every service's
/// logs. Ranges by service or module; ids that predate the ranges keep their number so logs stay recognisable.
/// A new event takes a free number in its range; <c>EventIdsTests</c> fails when two constants share a value.
/// </summary>
public static class EventIds
{
    // ── MadBase CLI (madbase start's supervisor): 100–199, from before the ranges ──
    public const int ServerExitedRestarting = 101;
    public const int ServerRestarted = 102;
    public const int ServerRestartDelayed = 103;

    // ── ServiceDefaults: 1000–1999 ──
    // Errors
    public const int UnhandledError = 1000;
    // Redis (Messaging)
    public const int RedisPublishFailed = 1100;
    public const int RedisPublishSkipped = 1101;
    public const int RedisStalled = 1102;
    public const int RedisAnswersAgain = 1103;
    public const int RedisCallFailed = 1104;
    // Projects
    public const int ProjectDroppedFromCache = 1200;
    public const int ProjectChangeSubscriptionFailed = 1201;
    public const int ProjectReadAfterDeadConnection = 1202;
    // Lifetime
    public const int ParentProcessGone = 1300;

    // ── Control: 2000–2499 (and 4100–4199, from before the ranges) ──
    // System database
    public const int SystemMigrationApplied = 2000;
    public const int SystemDatabaseWaiting = 2001;
    public const int SystemDatabaseUnreachable = 2002;
    public const int SystemMigrationRecordedAsApplied = 4100;
    // Admin API
    public const int AdminCredentialsRejected = 2100;
    // Functions
    public const int FunctionSyntaxCheckSkipped = 2110;
    // Projects
    public const int ProjectCreated = 2200;
    public const int ProjectCreationFailed = 2201;
    public const int ProjectCreationCleanupFailed = 2202;
    public const int ProjectDeleted = 2300;
    public const int DefaultProjectCreated = 2400;
    public const int DefaultProjectSecretDiffers = 2401;
    public const int ProjectChangedDuringUpdate = 4110;

    // ── Gateway: 2500–2599 ──
    public const int UpstreamTakenOutOfRotation = 2500;
    public const int ApiKeyRejected = 2510;          // was 2000 (clashed with Control and the Worker)
    public const int ApiKeyHostMismatch = 2511;      // was 2001 (clashed with Control)
    public const int UpstreamConnectRetried = 2520;  // was 2100 (clashed with Control)
    public const int UpstreamForwardingFailed = 2530; // was 2200 (clashed with Control)

    // ── Worker, tenancy: 2010–2019 (the tenant databases) and 2700–2799 (the tenant filter) ──
    public const int TenantDatabaseUnavailable = 2010;
    public const int TenantDeadPooledConnection = 2011;
    public const int TenantDatabaseReady = 2012;     // was 2000 (clashed with Control and the Gateway)
    public const int TenantPoolEvicted = 2013;
    public const int TenantConnectionsExhausted = 2014;
    public const int TenantPoolIdle = 2015;
    public const int RequestAborted = 2700;

    // ── Worker, Realtime: 2600–2699 ──
    // Socket
    public const int RealtimeHandlerFailed = 2600;
    public const int RealtimeSocketTimedOut = 2601;
    public const int RealtimeSocketTooSlow = 2602;
    public const int RealtimePolicyCheckFailed = 2603;
    public const int RealtimeChangesJoinFailed = 2604;
    // Broadcast
    public const int RealtimeRedisSubscribeFailed = 2610;
    public const int RealtimeRedisMessageUnreadable = 2611;
    public const int RealtimeDatabaseListenFailed = 2620;
    public const int RealtimeDatabaseNotificationUnreadable = 2621;
    // Presence
    public const int RealtimePresencesRemoved = 2630;
    public const int RealtimePresenceSweepFailed = 2631;
    // Postgres changes
    public const int RealtimeChangesStreaming = 2650;
    public const int RealtimeReplicationStreamEnded = 2651;
    public const int RealtimeChangesStarted = 2652;
    public const int RealtimeChangesStopped = 2653;
    public const int RealtimeChangesRlsCheckFailed = 2654;
    public const int RealtimeSlotClaimLost = 2655;
    public const int RealtimeChangesDeliveryFailed = 2656;
    public const int RealtimeSlotStreamedElsewhere = 2657;
    public const int RealtimeChangesBatchChecked = 2658;
    public const int RealtimeSlotSweepFailed = 2659;

    // ── Worker, Auth: 2800–2899 ──
    public const int SmtpSendFailed = 2800;          // was 3100 (clashed with the AppHost)
    public const int SendSmsHookFailed = 2801;

    // ── AppHost: 3000–3999 ──
    public const int PostgresClusterCreating = 3000;
    public const int StackReady = 3100;
    public const int StackReadyWithoutKeys = 3101;
    public const int ResourceExitedRestarting = 3200;
    public const int ResourceRestarted = 3201;
    public const int ResourceRestartFailed = 3202;
    public const int ResourceStoppedOnPurpose = 3203;

    // ── Worker, REST: 4000–4099 ──
    public const int SchemaCacheLoaded = 4000;
    public const int SchemaCacheListenerFailed = 4001;
    public const int SchemaCacheReloadFailed = 4002;
    public const int SchemaCacheEvicted = 4003;
    public const int RestDatabaseError = 4010;
    public const int RestDatabaseConnectionFailed = 4011;
    public const int SchemaCacheBehindReloaded = 4012;

    // ── Worker, Storage: 5000–5999 ──
    public const int StorageDatabaseError = 5000;
    public const int BlobDeleteDeferred = 5010;
    public const int OrphanBlobsSwept = 5020;
    public const int OrphanSweepFailed = 5021;

    // ── Worker, Functions: 6000–6099 ──
    public const int FunctionInvoked = 6000;
    public const int FunctionConsole = 6001;
    public const int FunctionInstanceStarted = 6010;
    public const int FunctionInstanceExited = 6011;
    public const int FunctionInstanceStopped = 6012;
    public const int FunctionBootFailed = 6013;
}
