using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using Npgsql;

namespace MadBase.Control.Studio.Tables;

/// <summary>A column as the catalog describes it; <c>Type</c> is <c>format_type</c>'s spelling.</summary>
internal sealed record ColumnInfo(
    string Name, string Type, string TypeCategory, bool Nullable, string? Default, bool PrimaryKey, bool Generated, ForeignKeyInfo? References);

internal sealed record ForeignKeyInfo(string Schema, string Table, string Column);

/// <summary>A table or view found in the catalog: the only source of identifiers the editors put into SQL.</summary>
internal sealed record TableInfo(string Schema, string Name, string Kind, bool RlsEnabled, IReadOnlyList<ColumnInfo> Columns)
{
    [JsonIgnore]
    public IEnumerable<ColumnInfo> PrimaryKey => Columns.Where(c => c.PrimaryKey);

    [JsonIgnore]
    public string QualifiedName => Identifiers.Quote(Schema) + "." + Identifiers.Quote(Name);

    /// <summary>The catalog's column of that exact name, or a 400 naming it.</summary>
    public ColumnInfo Column(string name) =>
        Columns.FirstOrDefault(c => c.Name == name) ?? throw AdminException.BadRequest($"table {Schema}.{Name} has no column {name}");
}

/// <summary>A table summary for the table list.</summary>
internal sealed record TableSummary(string Schema, string Name, string Kind, bool RlsEnabled, long? RowCount, bool RowCountCapped);

internal static class TableCatalog
{
    /// <summary>Row counts stop here: an exact count of a huge table is not worth the wait in a list.</summary>
    public const int CountCap = 10_000;

    private const string UserSchemas = """
        n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
        """;

    private static readonly string TablesQuery = $"""
        SELECT n.nspname, c.relname, c.relkind::text, c.relrowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {UserSchemas}
        ORDER BY 1, 2
        """;

    private static readonly string SchemasQuery = $"SELECT n.nspname FROM pg_namespace n WHERE {UserSchemas} ORDER BY 1";

    private const string TableQuery = """
        SELECT c.oid, c.relkind::text, c.relrowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        """;

    private const string ColumnsQuery = """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typcategory::text, NOT a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), coalesce(a.attnum = ANY (pk.conkey), false),
               a.attgenerated <> '' OR a.attidentity = 'a',
               fk.schema, fk.table, fk.column
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_constraint pk ON pk.conrelid = a.attrelid AND pk.contype = 'p'
        LEFT JOIN LATERAL (
            SELECT fn.nspname AS schema, fc.relname AS table, fa.attname AS column
            FROM pg_constraint c
            JOIN pg_class fc ON fc.oid = c.confrelid
            JOIN pg_namespace fn ON fn.oid = fc.relnamespace
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.conrelid = a.attrelid AND c.contype = 'f' AND c.conkey = ARRAY[a.attnum]
            LIMIT 1
        ) fk ON true
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """;

    public static async Task<IReadOnlyList<string>> SchemasAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SchemasQuery, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var schemas = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            schemas.Add(reader.GetString(0));
        }

        return schemas;
    }

    /// <summary>Every table and view outside Postgres's own schemas, tables with a row count up to <see cref="CountCap"/>.</summary>
    public static async Task<IReadOnlyList<TableSummary>> ListAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var found = new List<(string Schema, string Name, string Kind, bool Rls)>();
        await using (var command = new NpgsqlCommand(TablesQuery, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                found.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }

        var counted = found.Where(t => t.Kind is "r" or "p").ToList();
        var counts = new Dictionary<(string, string), long>();
        if (counted.Count > 0)
        {
            // Identifiers come from the catalog query above, quoted; one round trip for every count.
            await using var batch = new NpgsqlBatch(connection);
            foreach (var (schema, name, _, _) in counted)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    $"SELECT count(*) FROM (SELECT 1 FROM {Identifiers.Quote(schema)}.{Identifiers.Quote(name)} LIMIT {CountCap + 1}) AS capped"));
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            foreach (var (schema, name, _, _) in counted)
            {
                await reader.ReadAsync(cancellationToken);
                counts[(schema, name)] = reader.GetInt64(0);
                await reader.NextResultAsync(cancellationToken);
            }
        }

        return [.. found.Select(t => counts.TryGetValue((t.Schema, t.Name), out var count)
            ? new TableSummary(t.Schema, t.Name, KindName(t.Kind), t.Rls, Math.Min(count, CountCap), count > CountCap)
            : new TableSummary(t.Schema, t.Name, KindName(t.Kind), t.Rls, null, false))];
    }

    /// <summary>The table named by the caller, looked up in the catalog; 404 when there is none.</summary>
    public static async Task<TableInfo> DescribeAsync(NpgsqlConnection connection, string schema, string name, CancellationToken cancellationToken)
    {
        uint oid;
        string kind;
        bool rls;
        await using (var command = new NpgsqlCommand(TableQuery, connection))
        {
            command.Parameters.AddWithValue(schema);
            command.Parameters.AddWithValue(name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw AdminException.NotFound($"table {schema}.{name} not found");
            }

            (oid, kind, rls) = (reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetBoolean(2));
        }

        var columns = new List<ColumnInfo>();
        await using (var command = new NpgsqlCommand(ColumnsQuery, connection))
        {
            command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Oid, oid);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(new ColumnInfo(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetBoolean(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetBoolean(5),
                    reader.GetBoolean(6),
                    reader.IsDBNull(7) ? null : new ForeignKeyInfo(reader.GetString(7), reader.GetString(8), reader.GetString(9))));
            }
        }

        return new TableInfo(schema, name, KindName(kind), rls, columns);
    }

    private static string KindName(string relkind) => relkind switch
    {
        "r" or "p" => "table",
        "v" => "view",
        "m" => "materialized_view",
        _ => "foreign_table",
    };
}
