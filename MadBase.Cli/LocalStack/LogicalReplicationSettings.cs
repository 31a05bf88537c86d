namespace MadBase.Cli;

/// <summary>
/// What every Postgres this project starts needs for Realtime's Postgres changes (one logical replication
/// slot per project with subscribers, streamed by one worker): the local stack, the test fixtures and the
/// AppHost's executable Postgres pass these; deploy/docker-compose.yml repeats them on its command line.
/// </summary>
internal static class LogicalReplicationSettings
{
    public static IReadOnlyDictionary<string, string> Values { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["wal_level"] = "logical",
        // One slot and one walsender per project that has subscribers right now (idle projects hold none);
        // walsenders do not count against max_connections.
        ["max_replication_slots"] = "64",
        ["max_wal_senders"] = "64",
        // A slot whose worker stopped confirming (a stuck holder, a crash with nobody left to take over)
        // keeps WAL for at most this much before Postgres invalidates it, instead of filling the disk.
        ["max_slot_wal_keep_size"] = "1GB",
    };
}
