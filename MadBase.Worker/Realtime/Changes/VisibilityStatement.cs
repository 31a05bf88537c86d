using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Which of one table's inserted and updated rows one role and claims may SELECT now, under RLS: the row is
/// looked up by its primary key in a statement run under that role and claims, so the table's policies decide.
/// Only the keys go in; the record was read once for the role (<see cref="RecordStatement"/>).
/// </summary>
/// <remarks>Result column: the index of each change the group may see.</remarks>
internal sealed class VisibilityStatement(TableAccess table, List<int> entries)
{
    public TableAccess Table { get; } = table;

    public List<int> Entries { get; } = entries;

    public NpgsqlBatchCommand Command(IReadOnlyList<WalChange> changes)
    {
        var name = Table.QuotedName;
        var keys = string.Join(" AND ", Table.PrimaryKey.Select(k => $"x.{RecordStatement.Quote(k)} = wal_new.{RecordStatement.Quote(k)}"));
        var command = new NpgsqlBatchCommand($"""
            SELECT c.i
            FROM jsonb_to_recordset($1) AS c(i int, n jsonb)
            CROSS JOIN LATERAL jsonb_populate_record(NULL::{name}, c.n) AS wal_new
            WHERE EXISTS (SELECT FROM {name} x WHERE {keys})
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
                json.WriteStartObject("n");
                foreach (var key in Table.PrimaryKey)
                {
                    if (changes[i].New?.TryGetValue(key, out var value) == true)
                    {
                        json.WritePropertyName(key);
                        value.WriteTo(json);
                    }
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
