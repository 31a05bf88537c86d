using System.Text;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Database;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Control.Studio.Tables;

/// <summary>One column filter of the grid: <c>?where.&lt;column&gt;=&lt;op&gt;:&lt;value&gt;</c>.</summary>
internal sealed record RowFilter(ColumnInfo Column, string Operator, string? Value);

/// <summary>
/// A page of a table's rows: every value in Postgres's own text form (what the editor shows and sends back),
/// so no type is lost between the database and the grid. Filter values are bind parameters of unknown type,
/// which Postgres reads as the column's type; column names come from the catalog and are quoted.
/// </summary>
internal static class RowPage
{
    public const int MaxLimit = 500;
    private const string WherePrefix = "where.";

    private static readonly Dictionary<string, string> Comparisons = new(StringComparer.Ordinal)
    {
        ["eq"] = "=",
        ["neq"] = "<>",
        ["lt"] = "<",
        ["lte"] = "<=",
        ["gt"] = ">",
        ["gte"] = ">=",
    };

    public static IReadOnlyList<RowFilter> ParseFilters(TableInfo table, IQueryCollection query)
    {
        var filters = new List<RowFilter>();
        foreach (var (key, values) in query)
        {
            if (!key.StartsWith(WherePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var column = table.Column(key[WherePrefix.Length..]);
            foreach (var text in values)
            {
                var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
                var op = colon < 0 ? text ?? "" : text![..colon];
                var value = colon < 0 ? null : text![(colon + 1)..];
                if (!PostgresText.IsStorable(value))
                {
                    throw AdminException.BadRequest($"{key}: {PostgresText.Refusal}");
                }

                var valid = op switch
                {
                    "is_null" or "not_null" => value is null,
                    "like" or "ilike" => value is not null,
                    _ => Comparisons.ContainsKey(op) && value is not null,
                };
                if (!valid)
                {
                    throw AdminException.BadRequest(
                        $"{key} must be <op>:<value> with op one of eq, neq, lt, lte, gt, gte, like, ilike, or just is_null or not_null");
                }

                filters.Add(new RowFilter(column, op, value));
            }
        }

        return filters;
    }

    public static async Task<object> ReadAsync(
        NpgsqlConnection connection, TableInfo table, IReadOnlyList<RowFilter> filters, ColumnInfo? order, bool descending, int limit, int offset,
        CancellationToken cancellationToken)
    {
        var where = new StringBuilder();
        var parameters = new List<NpgsqlParameter>();
        foreach (var filter in filters)
        {
            var column = Identifiers.Quote(filter.Column.Name);
            where.Append(where.Length == 0 ? " WHERE " : " AND ");
            switch (filter.Operator)
            {
                case "is_null":
                    where.Append(column).Append(" IS NULL");
                    break;
                case "not_null":
                    where.Append(column).Append(" IS NOT NULL");
                    break;
                case "like" or "ilike":
                    parameters.Add(new NpgsqlParameter { Value = filter.Value, NpgsqlDbType = NpgsqlDbType.Text });
                    where.Append(column).Append("::text ").Append(filter.Operator == "like" ? "LIKE" : "ILIKE").Append(" $").Append(parameters.Count);
                    break;
                default:
                    parameters.Add(Unknown(filter.Value));
                    where.Append(column).Append(' ').Append(Comparisons[filter.Operator]).Append(" $").Append(parameters.Count);
                    break;
            }
        }

        // The chosen column first, then the primary key, so pages are stable under equal sort values.
        var orderBy = new List<string>();
        if (order is not null)
        {
            orderBy.Add(Identifiers.Quote(order.Name) + (descending ? " DESC NULLS LAST" : " ASC NULLS LAST"));
        }

        orderBy.AddRange(table.PrimaryKey.Where(c => c != order).Select(c => Identifiers.Quote(c.Name)));
        var orderClause = orderBy.Count == 0 ? "" : " ORDER BY " + string.Join(", ", orderBy);

        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {table.QualifiedName}{where}", connection))
        {
            count.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        var columns = string.Join(", ", table.Columns.Select(c => Identifiers.Quote(c.Name)));
        await using var select = new NpgsqlCommand(
            $"SELECT {columns} FROM {table.QualifiedName}{where}{orderClause} LIMIT {limit} OFFSET {offset}", connection)
        {
            AllResultTypesAreUnknown = true,
        };
        select.Parameters.AddRange(parameters.ToArray());
        var rows = await ReadTextRowsAsync(select, cancellationToken);
        return new { Columns = table.Columns, Rows = rows, Total = total, Limit = limit, Offset = offset };
    }

    /// <summary>Each row as an array of its values' text forms (null for SQL NULL).</summary>
    public static async Task<List<string?[]>> ReadTextRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<string?[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(TextRow(reader));
        }

        return rows;
    }

    public static string?[] TextRow(NpgsqlDataReader reader)
    {
        var row = new string?[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
        }

        return row;
    }

    /// <summary>A value Postgres parses as whatever type its place in the statement has.</summary>
    public static NpgsqlParameter Unknown(string? text) =>
        new() { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown };
}
