using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Which of one table's inserted and updated rows one role and claims may SELECT now, under RLS: the row is
/// looked up by its primary key in a statement run under that role and claims, so the table's policies decide.
/// Only the keys go in, typed as the catalog types the key columns (<c>k0</c>, <c>k1</c>, … so no key column's
/// name can collide with the index column); the record was read once for the role (<see cref="RecordStatement"/>).
/// Each key is its own LIMIT 1 lookup (a lateral subquery, so always the key's index): the policies are evaluated
/// for the changed rows only, never for a scan of the whole table, however the planner estimates the batch.
/// </summary>
/// <remarks>Result column: the index of each change the group may see.</remarks>
internal sealed class VisibilityStatement(TableAccess table, List<int> entries)
{
    public TableAccess Table { get; } = table;

    public List<int> Entries { get; } = entries;

    public NpgsqlBatchCommand Command(IReadOnlyList<WalChange> changes)
    {
        var name = Table.QuotedName;
        // Type names come from format_type and column names are quoted: both from the catalog, never from a client.
        var columns = string.Concat(Table.PrimaryKeyTypes.Select((type, k) => $", k{k} {type}"));
        var keys = string.Join(" AND ", Table.PrimaryKey.Select((column, k) => $"x.{RecordStatement.Quote(column)} = c.k{k}"));
        var command = new NpgsqlBatchCommand($"""
            SELECT c.i
            FROM jsonb_to_recordset($1) AS c(i int{columns})
            CROSS JOIN LATERAL (SELECT FROM {name} x WHERE {keys} LIMIT 1) AS visible
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = KeysJson(changes), NpgsqlDbType = NpgsqlDbType.Jsonb });
        return command;
    }

    private string KeysJson(IReadOnlyList<WalChange> changes)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var i in Entries)
            {
                json.WriteStartObject();
                json.WriteNumber("i", i);
                for (var k = 0; k < Table.PrimaryKey.Length; k++)
                {
                    if (changes[i].New?.TryGetValue(Table.PrimaryKey[k], out var value) == true)
                    {
                        json.WritePropertyName("k" + k.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        value.WriteTo(json);
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
