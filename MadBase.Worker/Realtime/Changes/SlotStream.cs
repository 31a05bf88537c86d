using MadBase.ServiceDefaults.Projects;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Tries to stream the project's slot, and does while it can: the lease is Postgres's own rule that only one
/// walsender streams a slot at a time, so the worker whose START_REPLICATION succeeded is the holder, the others
/// retry every <see cref="ChangeFeedOptions.TakeOverIntervalSeconds"/>, and a holder that dies frees the slot
/// with its connection. No lock to keep in step with the stream, and no window where two workers stream.
/// </summary>
/// <remarks>
/// pgoutput rather than wal2json: it is built into every Postgres ≥ 10, so a project's external database needs
/// no extension installed, it honours the publication (supabase_realtime, and what each table publishes) in
/// the server, and Npgsql decodes it. An LSN is confirmed only after its transaction was handed to the fan-out,
/// so a holder killed mid-stream leaves its unconfirmed changes for the next holder (a duplicate, never a loss).
/// </remarks>
internal sealed class SlotStream(Project project, string adminConnectionString, ChangeFanOut fanOut, ChangeFeedOptions options, ILogger logger)
{
    public const string Publication = "supabase_realtime";

    // Changes of a large transaction go out in slices; the LSN is confirmed at its commit only.
    private const int SliceSize = 500;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await StreamAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                ChangeLog.HeldElsewhere(logger, project.Ref, project.RealtimeSlot);
            }
            catch (Exception e)
            {
                ChangeLog.StreamFailed(logger, project.Ref, e);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.TakeOverIntervalSeconds), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task StreamAsync(CancellationToken cancellationToken)
    {
        await using var connection = new LogicalReplicationConnection(ConnectionString());
        await connection.Open(cancellationToken);
        var slot = new PgOutputReplicationSlot(project.RealtimeSlot);
        var replication = new PgOutputReplicationOptions(Publication, PgOutputProtocolVersion.V1);
        var pending = new List<WalChange>();
        var refreshed = new List<string>();
        var timestamp = string.Empty;
        var announced = false;
        await foreach (var message in connection.StartReplication(slot, replication, cancellationToken))
        {
            if (!announced)
            {
                announced = true;
                ChangeLog.Streaming(logger, project.Ref, project.RealtimeSlot);
            }

            switch (message)
            {
                case BeginMessage begin:
                    pending.Clear();
                    timestamp = WalDecoding.Timestamp(begin.TransactionCommitTimestamp);
                    break;
                case RelationMessage relation:
                    refreshed.Add(WalTransaction.TableName(relation.Namespace, relation.RelationName));
                    break;
                case CommitMessage commit:
                    if (pending.Count > 0)
                    {
                        await PublishAsync(pending, refreshed);
                    }

                    // Handed over: Postgres may forget them.
                    connection.SetReplicationStatus(commit.TransactionEndLsn);
                    break;
                default:
                    if (await ChangeAsync(message, timestamp, cancellationToken) is { } change)
                    {
                        pending.Add(change);
                    }

                    break;
            }

            if (pending.Count >= SliceSize)
            {
                await PublishAsync(pending, refreshed);
            }
        }
    }

    private string ConnectionString() => new NpgsqlConnectionStringBuilder(adminConnectionString)
    {
        // Tells an operator (and the failover tests) which worker holds the slot.
        ApplicationName = $"madbase-realtime:{Environment.ProcessId}",
    }.ConnectionString;

    private async Task PublishAsync(List<WalChange> pending, List<string> refreshed)
    {
        await fanOut.PublishAsync(project.Ref, [.. pending], [.. refreshed]);
        pending.Clear();
        refreshed.Clear();
    }

    /// <summary>A row change of the transaction under way; null for the messages that carry none.</summary>
    private static async Task<WalChange?> ChangeAsync(PgOutputReplicationMessage message, string timestamp, CancellationToken cancellationToken) => message switch
    {
        InsertMessage insert => await WalDecoding.ChangeAsync('I', insert.Relation, timestamp, insert.NewRow, null, false, cancellationToken),
        // The old row comes first in the message and must be read first.
        FullUpdateMessage full => await ReadOldFirstAsync('U', full.Relation, timestamp, full.OldRow, full.NewRow, false, cancellationToken),
        IndexUpdateMessage keyChanged => await ReadOldFirstAsync('U', keyChanged.Relation, timestamp, keyChanged.Key, keyChanged.NewRow, true, cancellationToken),
        UpdateMessage update => await WalDecoding.ChangeAsync('U', update.Relation, timestamp, update.NewRow, null, false, cancellationToken),
        FullDeleteMessage fullDelete => await WalDecoding.ChangeAsync('D', fullDelete.Relation, timestamp, null, fullDelete.OldRow, false, cancellationToken),
        KeyDeleteMessage keyDelete => await WalDecoding.ChangeAsync('D', keyDelete.Relation, timestamp, null, keyDelete.Key, true, cancellationToken),
        _ => null,
    };

    private static async Task<WalChange> ReadOldFirstAsync(
        char kind, RelationMessage relation, string timestamp, ReplicationTuple oldRow, ReplicationTuple newRow, bool keyOnly,
        CancellationToken cancellationToken)
    {
        // ChangeAsync reads the new tuple first; pgoutput streams the old one first, so read it through a
        // buffered pass: the old values first, then the new.
        var old = await WalDecoding.ChangeAsync(kind, relation, timestamp, null, oldRow, keyOnly, cancellationToken);
        var @new = await WalDecoding.ChangeAsync(kind, relation, timestamp, newRow, null, false, cancellationToken);
        if (!keyOnly && old.Old is { } before && @new.New is { } after)
        {
            // REPLICA IDENTITY FULL logs the whole old row, TOASTed values included, while the new tuple marks an
            // unchanged TOASTed value as such without it: the value is the old one, so the record keeps it.
            foreach (var (column, value) in before)
            {
                after.TryAdd(column, value);
            }
        }

        return @new with { Old = old.Old, TooLarge = old.TooLarge || @new.TooLarge };
    }
}
