using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// One table's changes checked for one role and claims, in one statement run under that role. The WAL's text
/// values become the table's own row type through <c>jsonb_populate_record</c>, so every value and every filter
/// operand is read as its column's type by Postgres, with no type name spelled here; the only names in the SQL
/// are the catalog's (the table as <c>format('%I.%I')</c> gave it, its key and filter columns quoted).
/// </summary>
/// <remarks>
/// Result columns: the change's index, visible (RLS lets the role select the row by its key now; DELETEs and
/// tables without RLS pass), the record and old record with only the columns the role may select, the
/// <c>columns</c> description, then one boolean per filter.
/// </remarks>
internal sealed class VisibilityStatement(TableAccess table, List<int> entries, List<ChangeFilter> filters)
{
    public TableAccess Table { get; } = table;

    public List<int> Entries { get; } = entries;

    public List<ChangeFilter> Filters { get; } = filters;

    public NpgsqlBatchCommand Command(IReadOnlyList<WalChange> changes)
    {
        var name = Table.QuotedName;
        var parameters = new List<NpgsqlParameter>
        {
            new() { Value = EntriesJson(changes), NpgsqlDbType = NpgsqlDbType.Jsonb },
            new() { Value = name, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = Table.PrimaryKey, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        };

        var visible = Table.RowSecurity
            ? $"c.k = 'D' OR EXISTS (SELECT FROM {name} x WHERE {string.Join(" AND ", Table.PrimaryKey.Select(k => $"x.{Quote(k)} = wal_new.{Quote(k)}"))})"
            : "true";
        // Under RLS a DELETE cannot be checked, so it shows the key only.
        var oldKeys = Table.RowSecurity ? "AND (c.k <> 'D' OR e.key = ANY ($3::text[]))" : string.Empty;
        var sql = new StringBuilder($"""
            WITH meta AS (
                SELECT coalesce(array_agg(a.attname::text) FILTER (WHERE NOT has_column_privilege(a.attrelid, a.attnum, 'SELECT')), '{"{}"}') AS hidden,
                       coalesce(jsonb_agg(jsonb_build_object('name', a.attname, 'type', ty.typname) ORDER BY a.attnum)
                                FILTER (WHERE has_column_privilege(a.attrelid, a.attnum, 'SELECT')), '[]') AS columns
                FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                WHERE a.attrelid = $2::regclass AND a.attnum > 0 AND NOT a.attisdropped
            )
            SELECT c.i, {visible},
                   coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(wal_new.*)) e
                             WHERE c.n ? e.key AND e.key <> ALL (meta.hidden)), '{"{}"}')::text,
                   coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(wal_old.*)) e
                             WHERE c.o ? e.key AND e.key <> ALL (meta.hidden) {oldKeys}), '{"{}"}')::text,
                   meta.columns::text
            """);
        foreach (var filter in Filters)
        {
            var column = Quote(filter.Column);
            parameters.Add(new NpgsqlParameter { Value = filter.Column, NpgsqlDbType = NpgsqlDbType.Text });
            var columnParameter = parameters.Count;
            var operand = $"(CASE WHEN c.k = 'D' THEN wal_old.{column} ELSE wal_new.{column} END)";
            if (filter.Operator == FilterOperator.In)
            {
                parameters.Add(new NpgsqlParameter { Value = filter.Values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                sql.Append($",\n       coalesce({operand} = ANY (ARRAY(SELECT (jsonb_populate_record(NULL::{name}, jsonb_build_object(${columnParameter}::text, v))).{column} FROM unnest(${parameters.Count}::text[]) v)), false)");
            }
            else
            {
                parameters.Add(new NpgsqlParameter { Value = filter.Values[0], NpgsqlDbType = NpgsqlDbType.Text });
                sql.Append($",\n       coalesce({operand} {Symbol(filter.Operator)} (jsonb_populate_record(NULL::{name}, jsonb_build_object(${columnParameter}::text, ${parameters.Count}::text))).{column}, false)");
            }
        }

        sql.Append($"""

            FROM jsonb_to_recordset($1) AS c(i int, k text, n jsonb, o jsonb)
            CROSS JOIN meta
            CROSS JOIN LATERAL jsonb_populate_record(NULL::{name}, coalesce(c.n, '{"{}"}')) AS wal_new
            CROSS JOIN LATERAL jsonb_populate_record(NULL::{name}, coalesce(c.o, '{"{}"}')) AS wal_old
            """);
        var command = new NpgsqlBatchCommand(sql.ToString());
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    private string EntriesJson(IReadOnlyList<WalChange> changes)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var i in Entries)
            {
                var change = changes[i];
                json.WriteStartObject();
                json.WriteNumber("i", i);
                json.WriteString("k", change.Kind.ToString());
                Write(json, "n", change.New);
                Write(json, "o", change.Old);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, string name, Dictionary<string, JsonElement>? values)
    {
        if (values is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        foreach (var (column, value) in values)
        {
            json.WritePropertyName(column);
            value.WriteTo(json);
        }

        json.WriteEndObject();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Symbol(FilterOperator op) => op switch
    {
        FilterOperator.Eq => "=",
        FilterOperator.Neq => "<>",
        FilterOperator.Lt => "<",
        FilterOperator.Lte => "<=",
        FilterOperator.Gt => ">",
        FilterOperator.Gte => ">=",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "in is not a binary operator"),
    };
}
