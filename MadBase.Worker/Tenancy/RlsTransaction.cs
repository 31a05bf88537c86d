using System.Data;
using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>How a transaction's statements travel to Postgres: as few round trips as the work allows.</summary>
internal enum RlsMode
{
    /// <summary>
    /// BEGIN and the setup are sent at once (one round trip), so that commands can then run one at a time
    /// (<see cref="RlsTransaction.CreateCommand"/>) with the handler's logic in between, and COMMIT ends it.
    /// </summary>
    Interactive,

    /// <summary>
    /// BEGIN and the setup travel with the first statements queued by <see cref="RlsTransaction.Add(string, IEnumerable{NpgsqlParameter}?)"/>;
    /// for work that reads a result before deciding to keep it. COMMIT goes alone (<see cref="RlsTransaction.CommitAsync"/>)
    /// or with the last statements (<see cref="RlsTransaction.ExecuteAndCommitAsync"/>).
    /// </summary>
    Pipelined,

    /// <summary>
    /// No BEGIN: the setup, the queued statements and the commit are one round trip. Postgres runs every
    /// statement of a pipeline up to its Sync in one implicit transaction, so the transaction-local role and
    /// claims hold for all of them, and the whole commits at the Sync or, on any error, rolls back.
    /// </summary>
    SingleTrip,
}

/// <summary>
/// The one way every module touches a project's data: a transaction that runs as the caller's role with
/// the request's claims visible to Postgres, exactly as PostgREST and storage-api set them up, so row-level
/// security policies written for Supabase (auth.uid(), auth.jwt(), current_setting('request.…')) apply
/// unchanged. Reads (GET/HEAD) run READ ONLY. The setup (<see cref="RlsSetup"/>) goes with the first round
/// trip; <see cref="RlsMode"/> says what else does. Handlers get one from <see cref="Tenant.BeginAsync"/>.
/// </summary>
/// <remarks>
/// A pooled connection Postgres ended while idle is found out by the first round trip; when nothing of the
/// request can have run yet (<see cref="DeadConnection"/>), that round trip is sent again on a fresh
/// connection, once.
/// </remarks>
internal sealed class RlsTransaction : IAsyncDisposable
{
    private readonly NpgsqlBatch batch;
    private readonly ReplaceConnection? replace;
    private readonly bool readOnly;
    private NpgsqlConnection connection;
    private NpgsqlTransaction? transaction;
    private bool setupPending = true;
    private bool sent;
    private bool completed;

    private RlsTransaction(NpgsqlConnection connection, NpgsqlTransaction? transaction, NpgsqlBatch batch, ReplaceConnection? replace, bool readOnly)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.batch = batch;
        this.replace = replace;
        this.readOnly = readOnly;
    }

    /// <summary>An <see cref="RlsMode.Interactive"/> transaction on a connection of <paramref name="dataSource"/>.</summary>
    public static Task<RlsTransaction> BeginAsync(
        NpgsqlDataSource dataSource, Caller caller, RlsRequest request, CancellationToken cancellationToken) =>
        BeginAsync(dataSource, caller, request, RlsMode.Interactive, cancellationToken);

    public static async Task<RlsTransaction> BeginAsync(
        NpgsqlDataSource dataSource, Caller caller, RlsRequest request, RlsMode mode, CancellationToken cancellationToken)
    {
        RlsSetup.EnsureAllowed(caller);
        return await BeginAsync(await dataSource.OpenConnectionAsync(cancellationToken), caller, request, mode, replace: null, cancellationToken);
    }

    /// <summary>
    /// The same on a connection already open, which the transaction owns from here on. With
    /// <paramref name="replace"/>, a connection found dead by the first round trip before anything of the
    /// request ran is swapped for a fresh one, once.
    /// </summary>
    public static async Task<RlsTransaction> BeginAsync(
        NpgsqlConnection connection, Caller caller, RlsRequest request, RlsMode mode, ReplaceConnection? replace,
        CancellationToken cancellationToken)
    {
        RlsTransaction tx;
        try
        {
            RlsSetup.EnsureAllowed(caller);
            // Npgsql sends BEGIN with the next round trip, not on its own.
            var transaction = mode == RlsMode.SingleTrip
                ? null
                : await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(RlsSetup.Command(caller, request));
            tx = new RlsTransaction(connection, transaction, batch, replace, request.ReadOnly);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        if (mode == RlsMode.Interactive)
        {
            try
            {
                await tx.ExecuteAsync(cancellationToken);
            }
            catch
            {
                await tx.DisposeAsync();
                throw;
            }
        }

        return tx;
    }

    /// <summary>A command of the transaction, once its setup has run (<see cref="RlsMode.Interactive"/>, or after a round trip).</summary>
    public NpgsqlCommand CreateCommand(string sql)
    {
        if (setupPending || transaction is null)
        {
            throw new InvalidOperationException("CreateCommand needs an explicit transaction whose setup has run");
        }

        return new NpgsqlCommand(sql, connection, transaction);
    }

    /// <summary>Queues a statement for the next round trip.</summary>
    public NpgsqlBatchCommand Add(string sql, IEnumerable<NpgsqlParameter>? parameters = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters ?? [])
        {
            command.Parameters.Add(parameter);
        }

        Add(command);
        return command;
    }

    /// <summary>Queues a statement a model built (User.FindByEmail, Session.Insert, …) for the next round trip.</summary>
    public void Add(NpgsqlBatchCommand command)
    {
        if (sent)
        {
            if (transaction is null)
            {
                // The single trip committed: a second one would run without the setup, as the login role.
                throw new InvalidOperationException("a single-trip transaction has no second round trip");
            }

            batch.BatchCommands.Clear();
            sent = false;
        }

        batch.BatchCommands.Add(command);
    }

    /// <summary>Sends the queued statements; the reader is positioned on the result of the first of them.</summary>
    /// <remarks>In <see cref="RlsMode.SingleTrip"/>, read it to the end: an error raised at the commit arrives last.</remarks>
    public async Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken)
    {
        var withSetup = setupPending;
        var reader = await RoundTripAsync(() => batch.ExecuteReaderAsync(cancellationToken), cancellationToken);
        try
        {
            if (withSetup)
            {
                await reader.NextResultAsync(cancellationToken);
            }

            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends the queued statements, for their effect only.</summary>
    public Task ExecuteAsync(CancellationToken cancellationToken) =>
        RoundTripAsync(() => batch.ExecuteNonQueryAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// The last round trip of an explicit transaction: the statements queued since the previous one, then COMMIT.
    /// </summary>
    /// <remarks>
    /// COMMIT as a statement of the batch rather than <see cref="NpgsqlTransaction.CommitAsync(CancellationToken)"/>
    /// saves that round trip; Npgsql learns from the ReadyForQuery status that the transaction ended. If a
    /// statement fails, Postgres skips the rest up to the Sync, COMMIT included, and disposal rolls back.
    /// </remarks>
    public async Task ExecuteAndCommitAsync(CancellationToken cancellationToken)
    {
        if (transaction is null)
        {
            throw new InvalidOperationException("ExecuteAndCommitAsync needs an explicit transaction");
        }

        Add("COMMIT");
        await ExecuteAsync(cancellationToken);
        completed = true;
    }

    /// <summary>Commits an explicit transaction; a single trip committed when its reader was read to the end.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (transaction is not null)
        {
            if (!completed)
            {
                try
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                }
                catch (NpgsqlException)
                {
                    // The connection is broken; disposing it below returns nothing bad to the pool.
                }
                catch (InvalidOperationException)
                {
                    // A COMMIT sent in the batch failed and ended the transaction already.
                }
            }

            await transaction.DisposeAsync();
        }

        await batch.DisposeAsync();
        await connection.DisposeAsync();
    }

    /// <summary>
    /// Runs a round trip; when it is the first and the pooled connection turns out dead before the setup
    /// completed (<see cref="DeadConnection"/>), runs it again on a fresh connection.
    /// </summary>
    private async Task<T> RoundTripAsync<T>(Func<Task<T>> run, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await run();
        }
        catch (Exception error) when (setupPending && replace is not null && !cancellationToken.IsCancellationRequested
                                      && DeadConnection.Describes(error, connection, onlySetupSent: readOnly || batch.BatchCommands.Count == 1))
        {
            await ReplaceConnectionAsync(replace, cancellationToken);
            result = await run();
        }

        setupPending = false;
        sent = true;
        return result;
    }

    private async Task ReplaceConnectionAsync(ReplaceConnection fresh, CancellationToken cancellationToken)
    {
        var explicitTransaction = transaction is not null;
        if (transaction is not null)
        {
            await transaction.DisposeAsync();
        }

        await connection.DisposeAsync();
        transaction = null;
        connection = await fresh(cancellationToken);
        if (explicitTransaction)
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        }

        batch.Connection = connection;
        batch.Transaction = transaction;

        // Commands auto-prepared on the dead connection still count as prepared, and would be bound by a
        // statement name the new connection never saw: the batch gets the same commands, never prepared.
        for (var i = 0; i < batch.BatchCommands.Count; i++)
        {
            var old = batch.BatchCommands[i];
            var parameters = old.Parameters.ToList();
            old.Parameters.Clear();
            var command = new NpgsqlBatchCommand(old.CommandText) { CommandType = old.CommandType, AppendErrorBarrier = old.AppendErrorBarrier };
            command.Parameters.AddRange(parameters.ToArray());
            batch.BatchCommands[i] = command;
        }
    }
}
