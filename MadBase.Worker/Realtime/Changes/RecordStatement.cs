using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// One table's changes as one role may read them, in one statement run under that role: the record and old
/// record with only the columns the role may select, and whether each of the role's filters passes. The WAL's
/// text values become the table's own row type through <c>jsonb_populate_record</c>, so every value and every
/// filter operand is read as its column's type by Postgres, with no type name spelled here; the only names in
/// the SQL are the catalog's (the table as <c>format('%I.%I')</c> gave it, its filter columns quoted). None of
/// it depends on the claims, so it runs once per role and batch; which rows each claims group may see is
/// <see cref="VisibilityStatement"/>'s.
/// </summary>
/// <remarks>
/// Result columns: the change's index, the record and old record as JSON text, then one boolean per filter.
/// </remarks>
internal sealed class RecordStatement(TableAccess table, List<int> entries, List<ChangeFilter> filters)
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
            new() { Value = Table.Hidden, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new() { Value = Table.PrimaryKey, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        };

        // Under RLS a DELETE cannot be checked, so it shows the key only.
        var oldKeys = Table.RowSecurity ? "AND (c.k <> 'D' OR e.key = ANY ($3::text[]))" : string.Empty;
        var sql = new StringBuilder($"""
            SELECT c.i,
                   coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(wal_new.*)) e
                             WHERE c.n ? e.key AND e.key <> ALL ($2::text[])), '{"{}"}')::text,
                   coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(wal_old.*)) e
                             WHERE c.o ? e.key AND e.key <> ALL ($2::text[]) {oldKeys}), '{"{}"}')::text
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

    internal static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

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
