using System.Text.Json;
using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using Npgsql;

namespace MadBase.Control.Studio.Tables;

/// <summary>
/// A row insert, update or delete from the editor. <c>values</c> and <c>key</c> map column names to text
/// (a JSON number or boolean is taken as its text; null is SQL NULL); Postgres parses each as its column's type.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record RowChangeRequest(Dictionary<string, JsonElement>? Values, Dictionary<string, JsonElement>? Key)
{
    public const string Expected = "an object with values (object of column: text or null) and, to update or delete, key (object of primary key column: text)";
}

internal static class RowChange
{
    public static async Task<string?[]> InsertAsync(NpgsqlConnection connection, TableInfo table, RowChangeRequest request, CancellationToken cancellationToken)
    {
        var values = Assignments(table, request.Values);
        var sql = values.Count == 0
            ? $"INSERT INTO {table.QualifiedName} DEFAULT VALUES RETURNING {AllColumns(table)}"
            : $"INSERT INTO {table.QualifiedName} ({string.Join(", ", values.Select(v => Identifiers.Quote(v.Column.Name)))}) " +
              $"VALUES ({string.Join(", ", values.Select((_, i) => "$" + (i + 1)))}) RETURNING {AllColumns(table)}";
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
        command.Parameters.AddRange(values.Select(v => RowPage.Unknown(v.Text)).ToArray());
        var rows = await RowPage.ReadTextRowsAsync(command, cancellationToken);
        return rows.Count == 1 ? rows[0] : throw AdminException.BadRequest("a trigger or rule on the table skipped the insert");
    }

    public static async Task<string?[]> UpdateAsync(NpgsqlConnection connection, TableInfo table, RowChangeRequest request, CancellationToken cancellationToken)
    {
        var values = Assignments(table, request.Values);
        if (values.Count == 0)
        {
            throw AdminException.BadRequest("values must name at least one column to change");
        }

        var key = KeyOf(table, request.Key);
        var set = string.Join(", ", values.Select((v, i) => $"{Identifiers.Quote(v.Column.Name)} = ${i + 1}"));
        var where = Where(key, values.Count);
        await using var command = new NpgsqlCommand(
            $"UPDATE {table.QualifiedName} SET {set} WHERE {where} RETURNING {AllColumns(table)}", connection)
        { AllResultTypesAreUnknown = true };
        command.Parameters.AddRange(values.Concat(key).Select(v => RowPage.Unknown(v.Text)).ToArray());
        return await OneRowAsync(connection, command, cancellationToken);
    }

    public static async Task DeleteAsync(NpgsqlConnection connection, TableInfo table, RowChangeRequest request, CancellationToken cancellationToken)
    {
        if (request.Values is { Count: > 0 })
        {
            throw AdminException.BadRequest("a delete takes only key");
        }

        var key = KeyOf(table, request.Key);
        await using var command = new NpgsqlCommand(
            $"DELETE FROM {table.QualifiedName} WHERE {Where(key, 0)} RETURNING 1", connection)
        { AllResultTypesAreUnknown = true };
        command.Parameters.AddRange(key.Select(v => RowPage.Unknown(v.Text)).ToArray());
        await OneRowAsync(connection, command, cancellationToken);
    }

    /// <summary>
    /// Runs a keyed change in a transaction and commits only when it touched exactly one row: a key is the
    /// whole primary key, so more cannot happen, but a table's key may change under an open editor.
    /// </summary>
    private static async Task<string?[]> OneRowAsync(NpgsqlConnection connection, NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        command.Transaction = transaction;
        var rows = await RowPage.ReadTextRowsAsync(command, cancellationToken);
        if (rows.Count != 1)
        {
            throw AdminException.NotFound(rows.Count == 0 ? "row not found: it may have been changed or deleted" : "the key matched more than one row");
        }

        await transaction.CommitAsync(cancellationToken);
        return rows[0];
    }

    private static string AllColumns(TableInfo table) => string.Join(", ", table.Columns.Select(c => Identifiers.Quote(c.Name)));

    private static string Where(List<(ColumnInfo Column, string? Text)> key, int offset) =>
        string.Join(" AND ", key.Select((k, i) => $"{Identifiers.Quote(k.Column.Name)} = ${offset + i + 1}"));

    private static List<(ColumnInfo Column, string? Text)> Assignments(TableInfo table, Dictionary<string, JsonElement>? values)
    {
        RequireTable(table);
        var assignments = new List<(ColumnInfo, string?)>();
        foreach (var (name, value) in values ?? [])
        {
            var column = table.Column(name);
            if (column.Generated)
            {
                throw AdminException.BadRequest($"column {name} is generated: it cannot be set");
            }

            assignments.Add((column, Text(name, value)));
        }

        return assignments;
    }

    private static List<(ColumnInfo Column, string? Text)> KeyOf(TableInfo table, Dictionary<string, JsonElement>? key)
    {
        RequireTable(table);
        var primaryKey = table.PrimaryKey.ToList();
        if (primaryKey.Count == 0)
        {
            throw AdminException.BadRequest($"table {table.Schema}.{table.Name} has no primary key, so a row cannot be named: use the SQL editor");
        }

        if (key is null || key.Count != primaryKey.Count || primaryKey.Any(c => !key.ContainsKey(c.Name)))
        {
            throw AdminException.BadRequest($"key must give exactly the primary key columns: {string.Join(", ", primaryKey.Select(c => c.Name))}");
        }

        return [.. primaryKey.Select(c => (c, Text(c.Name, key[c.Name]) ?? throw AdminException.BadRequest($"key {c.Name} must not be null")))];
    }

    private static void RequireTable(TableInfo table)
    {
        if (table.Kind != "table")
        {
            throw AdminException.BadRequest($"{table.Schema}.{table.Name} is a {table.Kind.Replace('_', ' ')}: only tables' rows can be changed here");
        }
    }

    private static string? Text(string column, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => throw AdminException.BadRequest($"{column} must be text, a number, a boolean or null (write JSON values as text)"),
    };
}
