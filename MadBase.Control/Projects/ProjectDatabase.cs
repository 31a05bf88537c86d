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
            // An external database is its owner's to drop; this cluster holds nothing of it.
            return;
        }

        // Two commands, not a batch: a batch is one implicit transaction, which DROP DATABASE refuses.
        await system.ExecuteAsync($"DROP DATABASE IF EXISTS {Quote(project.DatabaseName)} WITH (FORCE)", cancellationToken);
        await system.ExecuteAsync($"DROP ROLE IF EXISTS {Quote(project.AuthenticatorRole)}", cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
