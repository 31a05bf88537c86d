using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MadBase.Worker.Rest;

/// <summary>A write's body as PostgREST accepts it: a JSON object or array of objects, or CSV with a header line.</summary>
internal sealed record Payload(string Json, IReadOnlyList<string> Keys, bool IsArray, int Rows)
{
    public static async Task<Payload> ReadAsync(HttpRequest request)
    {
        using var streamReader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
        var text = await streamReader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var contentType = request.ContentType ?? string.Empty;
        if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return FromCsv(text);
        }

        JsonNode? node;
        try
        {
            node = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text);
        }
        catch (JsonException error)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", error.Message);
        }

        return FromJson(node);
    }

    public static Payload FromJson(JsonNode? node)
    {
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        switch (node)
        {
            case JsonObject obj:
                keys.AddRange(obj.Select(p => p.Key));
                return new Payload("[" + obj.ToJsonString() + "]", keys, false, 1);
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not JsonObject element)
                    {
                        throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "All object keys must match", "Every element of the array must be an object");
                    }

                    foreach (var (key, _) in element)
                    {
                        if (seen.Add(key))
                        {
                            keys.Add(key);
                        }
                    }
                }

                return new Payload(array.ToJsonString(), keys, true, array.Count);
            default:
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json");
        }
    }

    private static Payload FromCsv(string text)
    {
        var rows = ParseCsv(text);
        if (rows.Count == 0)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid CSV");
        }

        var header = rows[0];
        var array = new JsonArray();
        foreach (var row in rows.Skip(1))
        {
            if (row.Count != header.Count)
            {
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "All lines must have the same number of fields");
            }

            var obj = new JsonObject();
            for (var i = 0; i < header.Count; i++)
            {
                obj[header[i] ?? string.Empty] = row[i] is { } value ? JsonValue.Create(value) : null;
            }

            array.Add(obj);
        }

        return new Payload(array.ToJsonString(), [.. header.Select(h => h ?? string.Empty)], true, array.Count);
    }

    /// <summary>RFC 4180 fields; an unquoted empty field or NULL is a null, as PostgREST reads CSV.</summary>
    private static List<List<string?>> ParseCsv(string text)
    {
        var rows = new List<List<string?>>();
        var row = new List<string?>();
        var field = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = wasQuoted = true;
                    break;
                case ',':
                    row.Add(Value(field, wasQuoted));
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    row.Add(Value(field, wasQuoted));
                    rows.Add(row);
                    row = [];
                    field.Clear();
                    wasQuoted = false;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (field.Length > 0 || row.Count > 0 || wasQuoted)
        {
            row.Add(Value(field, wasQuoted));
            rows.Add(row);
        }

        return rows;
    }

    private static string? Value(StringBuilder field, bool wasQuoted)
    {
        var value = field.ToString();
        return !wasQuoted && (value.Length == 0 || value == "NULL") ? null : value;
    }
}
