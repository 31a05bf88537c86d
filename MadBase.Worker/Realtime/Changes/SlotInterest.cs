using Npgsql;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// A worker's claim that its subscribers need the project's slot: a shared advisory lock held on a session
/// of the project's database for as long as the worker has subscribers there. The slot is dropped only by
/// whoever gets the lock exclusively, i.e. when no live worker is interested; a worker that dies releases its
/// claim with its connection. So the slot outlives a dead holder exactly as long as someone still needs it,
/// and while any claim is held, a change committed after the slot was seen is streamed by someone.
/// </summary>
/// <remarks>
/// The session is the project's admin connection (the owner, or the cluster's superuser): creating and
/// dropping a logical slot needs REPLICATION, which the worker's login role must not have (a REPLICATION
/// role can stream the whole cluster), and the worker already holds this connection for migrations.
/// </remarks>
internal sealed class SlotInterest : IAsyncDisposable
{
    // One key per database is enough: advisory locks are per database and the slot is the project's only one.
    private const string Key = "hashtext('madbase.realtime_slot')";

    private readonly NpgsqlConnection connection;
    private readonly string slot;

    private SlotInterest(NpgsqlConnection connection, string slot)
    {
        this.connection = connection;
        this.slot = slot;
    }

    /// <summary>
    /// Claims the slot and makes sure it exists. A slot found inactive while nobody else claims it was left
    /// by a holder that died with no subscriber left anywhere: its backlog is owed to no one, so it starts afresh.
    /// </summary>
    public static async Task<SlotInterest> AcquireAsync(string adminConnectionString, string slot, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(adminConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await DropUnclaimedAsync(connection, slot, cancellationToken);
            await using (var claim = new NpgsqlCommand($"SELECT pg_advisory_lock_shared({Key})", connection))
            {
                await claim.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var create = new NpgsqlCommand(
                "SELECT pg_create_logical_replication_slot($1, 'pgoutput') WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = $1)",
                connection))
            {
                create.Parameters.AddWithValue(slot);
                try
                {
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateObject)
                {
                    // Another worker created it at the same moment.
                }
            }

            return new SlotInterest(connection, slot);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Drops the slot if it is inactive and no worker claims it: left by a holder that died when no other
    /// worker had subscribers in the project (<see cref="SlotSweeper"/>).
    /// </summary>
    public static async Task SweepAsync(string adminConnectionString, string slot, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await DropUnclaimedAsync(connection, slot, cancellationToken);
    }

    /// <summary>False once the session is gone (Postgres restarted, the backend was ended): the claim went with it.</summary>
    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = new NpgsqlCommand("SELECT 1", connection);
            await probe.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Gives the claim up, and drops the slot when no other worker claims it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock_shared({Key})", connection))
            {
                await release.ExecuteNonQueryAsync(timeout.Token);
            }

            await DropUnclaimedAsync(connection, slot, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The session is gone, and its claim with it; whoever claims next finds the slot unclaimed.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private static async Task DropUnclaimedAsync(NpgsqlConnection connection, string slot, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var exclusive = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({Key})", connection, transaction))
        {
            if (await exclusive.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return;
            }
        }

        await using (var drop = new NpgsqlCommand(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active",
            connection, transaction))
        {
            drop.Parameters.AddWithValue(slot);
            try
            {
                await drop.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.ObjectInUse or PostgresErrorCodes.UndefinedObject)
            {
                // A walsender took it between the check and the drop (a holder finishing its grace period), or it went already.
                return;
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
