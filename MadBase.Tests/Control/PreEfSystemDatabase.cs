using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Control;

/// <summary>
/// A system database made by Control before EF Core (<c>PreEf/system-database.sql</c>, dumped from a real one),
/// restored into a database of its own, and a plain-text description of the system schema to compare two databases by.
/// </summary>
internal static class PreEfSystemDatabase
{
    public const string DefaultRef = "preefdefault";
    public const string KeysRef = "preefkeys";

    /// <summary>Rows of <c>__EFMigrationsHistory</c> once Control has started: projects, signing keys, functions, API keys.</summary>
    public const long EfMigrations = 4;

    /// <summary>
    /// Every table, column, constraint and index of the system schema as it was before EF, and who may use the
    /// schema; the tables and columns later migrations add (Edge Functions', the new API keys) are left out, so any two databases compare on it.
    /// </summary>
    private const string DescribeSchema = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT format('column %s.%s %s %s %s %s', c.table_name, CASE WHEN $1 THEN c.ordinal_position END, c.column_name, c.data_type, c.is_nullable, c.column_default) AS line
            FROM information_schema.columns c
            WHERE c.table_schema = 'madbase' AND c.table_name NOT IN ('schema_migrations', '__EFMigrationsHistory', 'functions', 'function_versions', 'function_secrets')
                AND c.column_name <> 'api_keys'
            UNION ALL
            SELECT format('constraint %s %s %s', r.relname, k.conname, pg_get_constraintdef(k.oid))
            FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
            WHERE n.nspname = 'madbase' AND r.relname NOT IN ('schema_migrations', '__EFMigrationsHistory', 'functions', 'function_versions', 'function_secrets')
                AND k.conname <> 'projects_api_keys_check'
            UNION ALL
            SELECT format('index %s', indexdef) FROM pg_indexes
            WHERE schemaname = 'madbase' AND tablename NOT IN ('schema_migrations', '__EFMigrationsHistory', 'functions', 'function_versions', 'function_secrets')
            UNION ALL
            SELECT format('schema grant %s %s', a.grantee::regrole, a.privilege_type)
            FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
            WHERE n.nspname = 'madbase'
        ) description
        """;

    /// <summary>A new database holding the pre-EF system database; returns its name.</summary>
    public static async Task<string> RestoreAsync(PostgresFixture postgres)
    {
        var name = ControlProcess.NewSystemDatabaseName();
        await postgres.EnsureDatabaseAsync(name);
        var dump = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Control", "PreEf", "system-database.sql"));
        await ExecuteAsync(postgres.ConnectionString(name), dump);
        return name;
    }

    /// <param name="columnOrder">False where a column was dropped and added again, which moves it to a new position.</param>
    public static async Task<string> DescribeAsync(string connectionString, bool columnOrder = true) =>
        (await ControlAssert.ScalarAsync<string>(connectionString, DescribeSchema, columnOrder))!;

    /// <summary>Every row of <c>madbase.projects</c>, secrets and keys included, but for the column later migrations added.</summary>
    public static async Task<string> ProjectRowsAsync(string connectionString) =>
        (await ControlAssert.ScalarAsync<string>(connectionString, "SELECT string_agg((to_jsonb(p) - 'api_keys')::text, E'\\n' ORDER BY ref) FROM madbase.projects p"))!;

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
