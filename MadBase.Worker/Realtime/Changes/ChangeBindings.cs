using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Parses a join's <c>config.postgres_changes</c> into <see cref="ChangeBinding"/>s, and writes the join
/// reply's echo of them: the client matches the reply to its bindings field by field, in order, and
/// takes each one's id from it.
/// </summary>
internal static class ChangeBindings
{
    /// <summary>The bindings, or the first problem as the message the join is refused with.</summary>
    public static (IReadOnlyList<ChangeBinding> Bindings, string? Error) Parse(JsonElement list)
    {
        if (list.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return ([], null);
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return ([], "postgres_changes must be a list");
        }

        var bindings = new List<ChangeBinding>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var (binding, error) = ParseOne(item);
            if (binding is null)
            {
                return ([], error);
            }

            bindings.Add(binding);
        }

        return (bindings, null);
    }

    /// <summary>The reply's <c>postgres_changes</c>: each binding as the client sent it, plus its id.</summary>
    public static void WriteReply(Utf8JsonWriter writer, JsonElement list, IReadOnlyList<ChangeBinding> bindings)
    {
        writer.WriteStartArray();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            writer.WriteStartObject();
            foreach (var property in item.EnumerateObject())
            {
                if (property.NameEquals("id"))
                {
                    continue;
                }

                property.WriteTo(writer);
            }

            writer.WriteNumber("id", bindings[i++].Id);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static (ChangeBinding? Binding, string? Error) ParseOne(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return (null, "each postgres_changes binding must be an object");
        }

        var eventText = Text(item, "event");
        ChangeEvent? evt = eventText switch
        {
            "*" => ChangeEvent.All,
            "INSERT" => ChangeEvent.Insert,
            "UPDATE" => ChangeEvent.Update,
            "DELETE" => ChangeEvent.Delete,
            _ => null,
        };
        if (evt is null)
        {
            return (null, $"Invalid postgres_changes event \"{eventText}\": expected INSERT, UPDATE, DELETE or *");
        }

        var schema = Text(item, "schema");
        if (string.IsNullOrEmpty(schema))
        {
            return (null, "postgres_changes binding needs a schema");
        }

        var table = Text(item, "table");
        if (table is "*" or "")
        {
            table = null;
        }

        var filterText = Text(item, "filter");
        ChangeFilter? filter = null;
        if (!string.IsNullOrEmpty(filterText))
        {
            filter = ParseFilter(filterText);
            if (filter is null)
            {
                return (null, $"Invalid filter \"{filterText}\": expected column=op.value with op one of eq, neq, lt, lte, gt, gte, in");
            }

            if (table is null)
            {
                return (null, "A postgres_changes filter needs a table");
            }
        }

        return (new ChangeBinding(IdOf(eventText!, schema, table, filterText), evt.Value, schema, table, filter), null);
    }

    /// <summary><c>column=op.value</c>; <c>in</c> takes <c>(a,b,c)</c>.</summary>
    internal static ChangeFilter? ParseFilter(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var dot = equals < 0 ? -1 : text.IndexOf('.', equals + 1);
        if (equals <= 0 || dot < 0)
        {
            return null;
        }

        var column = text[..equals];
        var value = text[(dot + 1)..];
        FilterOperator? op = text[(equals + 1)..dot] switch
        {
            "eq" => FilterOperator.Eq,
            "neq" => FilterOperator.Neq,
            "lt" => FilterOperator.Lt,
            "lte" => FilterOperator.Lte,
            "gt" => FilterOperator.Gt,
            "gte" => FilterOperator.Gte,
            "in" => FilterOperator.In,
            _ => null,
        };
        if (op is null)
        {
            return null;
        }

        if (op != FilterOperator.In)
        {
            return new ChangeFilter(column, op.Value, [value]);
        }

        if (value.Length < 2 || value[0] != '(' || value[^1] != ')')
        {
            return null;
        }

        var values = value[1..^1].Split(',').Select(v => v.Trim().Trim('"')).ToArray();
        return values.Any(v => v.Length == 0) ? null : new ChangeFilter(column, op.Value, values);
    }

    /// <summary>
    /// A binding's id depends only on what it asks for, as Supabase's (a hash of the params), so the same
    /// binding on any worker, or after a rejoin, has the same id. 27 bits, as Erlang's phash2.
    /// </summary>
    private static int IdOf(string evt, string schema, string? table, string? filter)
    {
        var key = Encoding.UTF8.GetBytes($"{evt}\n{schema}\n{table}\n{filter}");
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(key)) & 0x7FFFFFF);
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
