using System.Text;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Planning;
using MadBase.Worker.Rest.SchemaCache;
using NpgsqlTypes;

namespace MadBase.Worker.Rest.Sql;

/// <summary>
/// INSERT/UPDATE/DELETE as a data-modifying CTE named <c>pgrst_source</c>, whose RETURNING rows the read
/// builder then shapes (select, embedding) exactly as for a GET. The JSON payload is one parameter that
/// Postgres expands with json_to_recordset into the written columns, typed as the table's.
/// </summary>
internal static class WriteQuery
{
    public const string Source = "\"pgrst_source\"";

    /// <summary>
    /// How many rows an upsert inserted rather than updated, for the envelope: the INSERT counts every row it
    /// tries and the conflict branch takes back those it updated, as PostgREST's <c>pgrst.inserted</c> does.
    /// </summary>
    public const string InsertedCount = "coalesce(nullif(current_setting('pgrst.inserted', true), '')::bigint, 0)";

    private const string CountTried =
        "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'";

    private const string CountUpdated =
        "set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1'";

    /// <summary>
    /// INSERT … SELECT from the payload. <paramref name="payloadFilter"/> (PUT) keeps only the payload rows whose
    /// key matches the URL's eq filters, rendered against the payload row.
    /// </summary>
    public static string Insert(
        Statement st, DbTable table, IReadOnlyList<string> columns, string payloadJson, bool missingDefault,
        Resolution resolution, IReadOnlyList<string>? onConflict, IReadOnlyList<Condition>? payloadFilter = null)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(table.QualifiedName);
        var payload = st.Typed(payloadJson, NpgsqlDbType.Json);
        AppendPayloadRows(sql, table, columns, payload, missingDefault);
        var filters = PayloadFilters(st, table, columns, payloadFilter);

        // An upsert counts the rows it tries; CASE makes sure only rows that passed the filter are counted.
        var filter = string.Join(" AND ", filters);
        if (resolution == Resolution.MergeDuplicates)
        {
            sql.Append(" WHERE ").Append(filters.Count == 0 ? CountTried : $"CASE WHEN {filter} THEN {CountTried} ELSE FALSE END");
        }
        else if (filters.Count > 0)
        {
            sql.Append(" WHERE ").Append(filter);
        }

        AppendOnConflict(sql, table, columns, resolution, onConflict);
        sql.Append(" RETURNING ").Append(table.QualifiedName).Append(".*");
        return sql.ToString();
    }

    /// <summary>The column list and the SELECT that expands the payload (<c>pgrst_p</c>) into typed rows.</summary>
    private static void AppendPayloadRows(StringBuilder sql, DbTable table, IReadOnlyList<string> columns, string payload, bool missingDefault)
    {
        if (columns.Count == 0)
        {
            // [{}] or {}: one row of defaults per object.
            sql.Append(" SELECT FROM json_array_elements(").Append(payload).Append(')');
            return;
        }

        sql.Append(" (").Append(string.Join(", ", columns.Select(Ident.Quote))).Append(") ");
        if (missingDefault && Defaults(table, columns) is { } defaults)
        {
            // PostgREST's missing=default: each object laid over an object of the columns' defaults, built for
            // every row (a sequence advances once per row and column, key given or not, as in PostgREST).
            sql.Append("SELECT ").Append(string.Join(", ", columns.Select(c => "\"pgrst_p\"." + Ident.Quote(c))))
                .Append(" FROM jsonb_to_recordset((SELECT jsonb_agg(").Append(defaults).Append(" || \"pgrst_e\".\"v\" ORDER BY \"pgrst_e\".\"i\")")
                .Append(" FROM jsonb_array_elements(").Append(payload).Append("::jsonb) WITH ORDINALITY AS \"pgrst_e\"(\"v\", \"i\")))")
                .Append(" AS \"pgrst_p\"(").Append(ColumnDefinitions(table, columns, domainsAsBase: true)).Append(')');
        }
        else
        {
            sql.Append("SELECT ").Append(string.Join(", ", columns.Select(c => "\"pgrst_p\"." + Ident.Quote(c))))
                .Append(" FROM json_to_recordset(").Append(payload).Append(") AS \"pgrst_p\"(").Append(ColumnDefinitions(table, columns)).Append(')');
        }
    }

    /// <summary>
    /// <c>jsonb_build_object('a', default_a, …)</c> over the columns that have a default (in chunks, as a call
    /// takes at most 100 arguments), or null when none has one.
    /// </summary>
    private static string? Defaults(DbTable table, IReadOnlyList<string> columns)
    {
        var pairs = columns.Where(c => table.Column(c)!.DefaultSql is not null)
            .Select(c => $"{Ident.Literal(c)}, ({table.Column(c)!.DefaultSql})").ToList();
        return pairs.Count == 0
            ? null
            : string.Join(" || ", pairs.Chunk(50).Select(chunk => "jsonb_build_object(" + string.Join(", ", chunk) + ")"));
    }

    /// <summary>PUT's eq filters rendered against the payload row, so only rows with the URL's key are written.</summary>
    private static List<string> PayloadFilters(Statement st, DbTable table, IReadOnlyList<string> columns, IReadOnlyList<Condition>? payloadFilter)
    {
        if (columns.Count == 0 || payloadFilter is null)
        {
            return [];
        }

        var payloadRow = new ReadNode(table, "pgrst_p");
        return [.. payloadFilter.Select(c => ReadQuery.Condition(st, payloadRow, c))];
    }

    /// <summary><c>Prefer: resolution=</c> as ON CONFLICT … DO UPDATE / DO NOTHING; a bare on_conflict ignores duplicates.</summary>
    private static void AppendOnConflict(
        StringBuilder sql, DbTable table, IReadOnlyList<string> columns, Resolution resolution, IReadOnlyList<string>? onConflict)
    {
        if (resolution == Resolution.None)
        {
            if (onConflict is not null)
            {
                sql.Append(" ON CONFLICT (").Append(string.Join(", ", onConflict.Select(Ident.Quote))).Append(") DO NOTHING");
            }

            return;
        }

        var target = onConflict ?? table.PrimaryKey;
        if (target.Count == 0 && resolution == Resolution.MergeDuplicates)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST100", "\"on_conflict\" is required: the table has no primary key");
        }

        if (target.Count > 0)
        {
            sql.Append(" ON CONFLICT (").Append(string.Join(", ", target.Select(Ident.Quote))).Append(')');
        }
        else
        {
            sql.Append(" ON CONFLICT");
        }

        var updates = columns.Where(c => !target.Contains(c)).ToList();
        if (resolution == Resolution.IgnoreDuplicates || updates.Count == 0 && target.Count == 0)
        {
            sql.Append(" DO NOTHING");
        }
        else
        {
            // Key columns only: still return the existing row, as PostgREST does, by touching a key column.
            var sets = updates.Count == 0 ? [target[0]] : updates;
            sql.Append(" DO UPDATE SET ").Append(string.Join(", ", sets.Select(c => $"{Ident.Quote(c)} = EXCLUDED.{Ident.Quote(c)}")))
                .Append(" WHERE ").Append(CountUpdated);
        }
    }

    /// <param name="payloadJson">A JSON array whose first object holds the new values.</param>
    public static string Update(Statement st, ReadNode target, IReadOnlyList<string> columns, string payloadJson, bool missingDefault)
    {
        var alias = Ident.Quote(target.Alias);
        if (columns.Count == 0)
        {
            return $"SELECT {alias}.* FROM {target.Table.QualifiedName} AS {alias} WHERE FALSE";
        }

        var payload = st.Typed(payloadJson, NpgsqlDbType.Json);
        var sql = new StringBuilder("UPDATE ").Append(target.Table.QualifiedName).Append(" AS ").Append(alias)
            .Append(" SET ").Append(string.Join(", ", columns.Select(c => $"{Ident.Quote(c)} = \"pgrst_p\".{Ident.Quote(c)}")))
            .Append(missingDefault && Defaults(target.Table, columns) is { } defaults
                ? $" FROM jsonb_to_record({defaults} || ({payload}::jsonb -> 0)) AS \"pgrst_p\"({ColumnDefinitions(target.Table, columns, domainsAsBase: true)})"
                : $" FROM json_to_record({payload} -> 0) AS \"pgrst_p\"({ColumnDefinitions(target.Table, columns)})");
        if (IsLimited(target))
        {
            sql.Append(", ");
            AppendAffected(st, target, sql);
        }
        else
        {
            AppendWhere(st, target, sql);
        }

        sql.Append(" RETURNING ").Append(alias).Append(".*");
        return sql.ToString();
    }

    public static string Delete(Statement st, ReadNode target)
    {
        var alias = Ident.Quote(target.Alias);
        var sql = new StringBuilder("DELETE FROM ").Append(target.Table.QualifiedName).Append(" AS ").Append(alias);
        if (IsLimited(target))
        {
            sql.Append(" USING ");
            AppendAffected(st, target, sql);
        }
        else
        {
            AppendWhere(st, target, sql);
        }

        sql.Append(" RETURNING ").Append(alias).Append(".*");
        return sql.ToString();
    }

    /// <summary>
    /// <c>"a" int, "b" text</c>: the payload's columns typed as the table's, for json_to_record(set). Only the
    /// written columns are read, as PostgREST does, so a NOT NULL domain on another column is not checked
    /// against a NULL that will never be written. With <paramref name="domainsAsBase"/> (missing=default), a
    /// domain column is read as its base type so that an absent key can still take the default; the INSERT
    /// checks the domain on the value it stores.
    /// </summary>
    private static string ColumnDefinitions(DbTable table, IReadOnlyList<string> columns, bool domainsAsBase = false) =>
        string.Join(", ", columns.Select(c => Ident.Quote(c) + " " + (domainsAsBase ? table.Column(c)!.BaseType : table.Column(c)!.Type)));

    /// <summary>PATCH/DELETE with <c>limit</c>/<c>offset</c> (PostgREST 12's limited update/delete).</summary>
    public static bool IsLimited(ReadNode target) => target.Limit is not null || target.Offset is not null;

    /// <summary>
    /// The rows a limited write may touch: the filtered rows in the requested order, cut to the range, then
    /// joined back by row identity (the Crunchy Data technique PostgREST's limited update/delete follow). A
    /// table's rows are identified by (tableoid, ctid), so the limit holds even when the order is not unique;
    /// a view has no ctid, so its primary key or else the order columns identify a row, as in PostgREST.
    /// </summary>
    private static void AppendAffected(Statement st, ReadNode target, StringBuilder sql)
    {
        var alias = Ident.Quote(target.Alias);
        var identity = target.Table.Kind is 'r' or 'p'
            ? ["tableoid", "ctid"]
            : target.Table.PrimaryKey.Count > 0
                ? target.Table.PrimaryKey.Select(Ident.Quote).ToList()
                : target.Order.Select(o => o.Field.Name).Distinct(StringComparer.Ordinal).Select(Ident.Quote).ToList();
        sql.Append("(SELECT ").Append(string.Join(", ", identity.Select(c => alias + "." + c)))
            .Append(" FROM ").Append(target.Table.QualifiedName).Append(" AS ").Append(alias);
        AppendWhere(st, target, sql);
        sql.Append(ReadQuery.OrderBy(st, target)).Append(ReadQuery.Range(target)).Append(") AS \"pgrst_affected\" WHERE ")
            .Append(string.Join(" AND ", identity.Select(c => $"{alias}.{c} = \"pgrst_affected\".{c}")));
    }

    private static void AppendWhere(Statement st, ReadNode target, StringBuilder sql)
    {
        if (target.Conditions.Count > 0)
        {
            sql.Append(" WHERE ").Append(string.Join(" AND ", target.Conditions.Select(c => ReadQuery.Condition(st, target, c))));
        }
    }
}
