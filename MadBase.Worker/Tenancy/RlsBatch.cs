using System.Data;
using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// The RLS transaction for a request that is a few statements known up front (a REST read or write):
/// the setup, the statements and, for an implicit transaction, the commit go to Postgres in one round trip.
/// </summary>
/// <remarks>
/// Postgres runs every statement of a pipeline up to its Sync in one implicit transaction, so the setup's
/// transaction-local role and claims hold for the statements after it and the whole batch commits, or on
/// any error rolls back, at the Sync. An explicit transaction (BEGIN in the same round trip, COMMIT or
/// ROLLBACK in a second) is for callers that must look at the result before deciding to keep it; their
/// writes can travel with that COMMIT (<see cref="ExecuteAndCommitAsync"/>).
/// </remarks>
internal sealed class RlsBatch : IAsyncDisposable
{
    private readonly ReplaceConnection? replace;
    private readonly bool readOnly;
    private NpgsqlConnection connection;
    private NpgsqlTransaction? transaction;
    private bool completed;
    private bool setupPending = true;

    private RlsBatch(NpgsqlConnection connection, NpgsqlTransaction? transaction, NpgsqlBatch batch, ReplaceConnection? replace, bool readOnly)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.replace = replace;
        this.readOnly = readOnly;
        Batch = batch;
    }

    /// <summary>The commands to run; the setup is already the first and its result is skipped.</summary>
    public NpgsqlBatch Batch { get; }

    public static async Task<RlsBatch> OpenAsync(
        NpgsqlDataSource dataSource, Caller caller, RlsRequest request, bool explicitTransaction, CancellationToken cancellationToken)
    {
        RlsSetup.EnsureAllowed(caller);
        return await OpenAsync(await dataSource.OpenConnectionAsync(cancellationToken), caller, request, explicitTransaction, cancellationToken);
    }

    /// <summary>
    /// The same on a connection already open, which the batch owns from here on. With <paramref name="replace"/>,
    /// a connection found dead by the first round trip before anything of the request ran is swapped for a
    /// fresh one, once.
    /// </summary>
    public static async Task<RlsBatch> OpenAsync(
        NpgsqlConnection connection, Caller caller, RlsRequest request, bool explicitTransaction, CancellationToken cancellationToken,
        ReplaceConnection? replace = null)
    {
        try
        {
            RlsSetup.EnsureAllowed(caller);
            // Npgsql sends BEGIN with the batch, not on its own.
            var transaction = explicitTransaction
                ? await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken)
                : null;
            var batch = new NpgsqlBatch(connection, transaction);
            var setup = new NpgsqlBatchCommand(RlsSetup.Sql);
            RlsSetup.AddParameters(setup.Parameters, caller, request);
            batch.BatchCommands.Add(setup);
            return new RlsBatch(connection, transaction, batch, replace, request.ReadOnly);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlBatchCommand Add(string sql, IEnumerable<NpgsqlParameter>? parameters = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters ?? [])
        {
            command.Parameters.Add(parameter);
        }

        Batch.BatchCommands.Add(command);
        return command;
    }

    /// <summary>Runs the batch; the reader is positioned on the result of the first command after the setup.</summary>
    public async Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken)
    {
        var reader = await FirstRoundTripAsync(() => Batch.ExecuteReaderAsync(cancellationToken), cancellationToken);
        try
        {
            if (setupPending)
            {
                setupPending = false;
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

    /// <summary>
    /// Empties the batch for an explicit transaction's next round trip, once the previous reader is disposed.
    /// </summary>
    public void Next()
    {
        Batch.BatchCommands.Clear();
        setupPending = false;
    }

    /// <summary>
    /// The last round trip of an explicit transaction: the commands added since <see cref="Next"/>, then COMMIT.
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
        await FirstRoundTripAsync(() => Batch.ExecuteNonQueryAsync(cancellationToken), cancellationToken);
        completed = true;
    }

    /// <summary>
    /// Runs a round trip; when it is the first and the pooled connection turns out dead before the setup
    /// completed (<see cref="DeadConnection"/>), runs it again on a fresh connection.
    /// </summary>
    private async Task<T> FirstRoundTripAsync<T>(Func<Task<T>> run, CancellationToken cancellationToken)
    {
        try
        {
            return await run();
        }
        catch (Exception error) when (setupPending && replace is not null && !cancellationToken.IsCancellationRequested
                                      && DeadConnection.Describes(error, connection, onlySetupSent: readOnly))
        {
            await ReplaceConnectionAsync(replace, cancellationToken);
            return await run();
        }
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

        Batch.Connection = connection;
        Batch.Transaction = transaction;

        // Commands auto-prepared on the dead connection still count as prepared, and would be bound by a
        // statement name the new connection never saw: the batch gets the same commands, never prepared.
        for (var i = 0; i < Batch.BatchCommands.Count; i++)
        {
            var old = Batch.BatchCommands[i];
            var parameters = old.Parameters.ToList();
            old.Parameters.Clear();
            var command = new NpgsqlBatchCommand(old.CommandText) { CommandType = old.CommandType, AppendErrorBarrier = old.AppendErrorBarrier };
            command.Parameters.AddRange(parameters.ToArray());
            Batch.BatchCommands[i] = command;
        }
    }

    /// <summary>Commits an explicit transaction; an implicit one committed when its reader was read to the end.</summary>
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

        await Batch.DisposeAsync();
        await connection.DisposeAsync();
    }
}
