using Npgsql;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// Brings a project database up to date: the login role (always re-asserted, so a recreated project
/// gets its new password), then every module's missing migrations, inside one transaction under an
/// advisory lock so concurrent workers apply each step exactly once.
/// </summary>
public static class TenantMigrator
{
    private const string Lock = "SELECT pg_advisory_xact_lock(hashtext('madbase.migrations'))";

    private const string Prepare =
        "SELECT set_config('madbase.authenticator', $1, true), set_config('madbase.authenticator_password', $2, true)";

    private const string Ledger = """
        CREATE SCHEMA IF NOT EXISTS _madbase;
        REVOKE ALL ON SCHEMA _madbase FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS _madbase.migrations (
            module text NOT NULL,
            version int NOT NULL,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (module, version));
        """;

    /// <summary>
    /// Whether the database's ledger already lists every migration of <paramref name="sources"/>: one read, without
    /// the lock, the role statements or the ledger's DDL of <see cref="ApplyAsync"/>, which write to shared catalogs
    /// (every backend of the cluster then drops its cached entries) and fire the database's DDL triggers. It says
    /// nothing of the login role, which only <see cref="ApplyAsync"/> re-asserts.
    /// </summary>
    public static async Task<bool> IsUpToDateAsync(
        string adminConnectionString, IEnumerable<ITenantMigrationSource> sources, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT module, version FROM _madbase.migrations", connection);
        var applied = new HashSet<(string Module, int Version)>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // A database no bootstrap has run in yet.
            return false;
        }

        return sources.All(source => source.Migrations.All(migration => applied.Contains((source.Module, migration.Version))));
    }

    public static async Task ApplyAsync(
        string adminConnectionString, Project project, IEnumerable<ITenantMigrationSource> sources, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await ExecuteAsync(connection, transaction, Lock, cancellationToken);
        await using (var prepare = new NpgsqlCommand(Prepare, connection, transaction))
        {
            prepare.Parameters.AddWithValue(project.AuthenticatorRole);
            prepare.Parameters.AddWithValue(project.AuthenticatorPassword);
            await prepare.ExecuteNonQueryAsync(cancellationToken);
        }

        await ExecuteAsync(connection, transaction, PlatformSql.Roles, cancellationToken);
        await ExecuteAsync(connection, transaction, Ledger, cancellationToken);

        foreach (var source in sources)
        {
            var applied = await AppliedVersionsAsync(connection, transaction, source.Module, cancellationToken);
            foreach (var migration in source.Migrations.OrderBy(m => m.Version))
            {
                if (applied.Contains(migration.Version))
                {
                    continue;
                }

                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await using var record = new NpgsqlCommand(
                    "INSERT INTO _madbase.migrations (module, version, name) VALUES ($1, $2, $3)", connection, transaction);
                record.Parameters.AddWithValue(source.Module);
                record.Parameters.AddWithValue(migration.Version);
                record.Parameters.AddWithValue(migration.Name);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<HashSet<int>> AppliedVersionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string module, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM _madbase.migrations WHERE module = $1", connection, transaction);
        command.Parameters.AddWithValue(module);
        var versions = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
