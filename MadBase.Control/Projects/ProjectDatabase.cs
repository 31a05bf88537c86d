using MadBase.Control.Admin;
using MadBase.Control.SystemDb;
using MadBase.ServiceDefaults.Projects;
using Npgsql;

namespace MadBase.Control.Projects;

/// <summary>
/// A project's database and login role in the system cluster. CREATE/DROP DATABASE take no bind
/// parameters and cannot run in a transaction, so names are quoted identifiers built from validated refs.
/// </summary>
internal static class ProjectDatabase
{
    public static string NameFor(string projectRef) => "project_" + projectRef;

    /// <summary>
    /// From template0 in UTF8: a cluster initialised under the C locale defaults to SQL_ASCII, where
    /// jsonb rejects non-ASCII escapes; template0 is the only template that allows another encoding.
    /// </summary>
    public static async Task CreateAsync(NpgsqlDataSource system, string databaseName, CancellationToken cancellationToken)
    {
        try
        {
            await system.ExecuteAsync($"CREATE DATABASE {Quote(databaseName)} TEMPLATE template0 ENCODING 'UTF8'", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // No row claims it (the insert before this succeeded): left over from an interrupted creation.
            throw AdminException.Conflict($"database {databaseName} already exists without a project: drop it, or choose another ref");
        }
    }

    /// <summary>
    /// Drops the database (ending its sessions) and then the login role, whose CONNECT grant lived in it.
    /// The shared API roles stay: other projects in the cluster use them. Idempotent, so a failed delete can be retried.
    /// </summary>
    public static async Task DropAsync(NpgsqlDataSource system, Project project, CancellationToken cancellationToken)
    {
        if (project.DatabaseUrl is not null)
        {
            // An external database is its owner's to drop; only Realtime's slot in it is ours.
            await DropRealtimeSlotAsync(project.DatabaseUrl, project.RealtimeSlot, cancellationToken);
            return;
        }

        // DROP DATABASE drops the database's replication slots, but refuses while a walsender streams one
        // (Realtime's slot, held by a worker), and WITH (FORCE) does not end walsenders. So: no new
        // connections (a worker would reconnect to its slot at once), end the walsenders, then drop.
        await using (var allowed = system.CreateCommand("SELECT datallowconn FROM pg_database WHERE datname = $1"))
        {
            allowed.Parameters.AddWithValue(project.DatabaseName);
            if (await allowed.ExecuteScalarAsync(cancellationToken) is true)
            {
                await system.ExecuteAsync($"ALTER DATABASE {Quote(project.DatabaseName)} ALLOW_CONNECTIONS false", cancellationToken);
            }
        }

        await using (var walsenders = system.CreateCommand(
            "SELECT pg_terminate_backend(active_pid, 10000) FROM pg_replication_slots WHERE database = $1 AND active_pid IS NOT NULL"))
        {
            walsenders.Parameters.AddWithValue(project.DatabaseName);
            await walsenders.ExecuteNonQueryAsync(cancellationToken);
        }

        // Two commands, not a batch: a batch is one implicit transaction, which DROP DATABASE refuses.
        await system.ExecuteAsync($"DROP DATABASE IF EXISTS {Quote(project.DatabaseName)} WITH (FORCE)", cancellationToken);
        await system.ExecuteAsync($"DROP ROLE IF EXISTS {Quote(project.AuthenticatorRole)}", cancellationToken);
    }

    /// <summary>Ends the walsender streaming the slot, if one does, and drops the slot; absent is fine.</summary>
    private static async Task DropRealtimeSlotAsync(string connectionString, string slot, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            await using var drop = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT pg_terminate_backend(active_pid, 10000) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL")
                    {
                        Parameters = { new NpgsqlParameter { Value = slot } },
                    },
                    new NpgsqlBatchCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1")
                    {
                        Parameters = { new NpgsqlParameter { Value = slot } },
                    },
                },
            };
            try
            {
                await drop.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 5)
            {
                // A worker took the slot again between the two statements; its next attempt fails once the project is gone.
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
