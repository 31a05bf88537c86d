using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Database;

namespace MadBase.Worker.Rest;

/// <summary>
/// A write's body as PostgREST accepts it: a JSON object or array of objects, or CSV with a header line.
/// <see cref="Json"/> is always an array, built around the client's own text so that json columns keep
/// the formatting they were sent with (Postgres's json type stores the text as given).
/// </summary>
internal sealed record Payload(string Json, IReadOnlyList<string> Keys, bool IsArray, int Rows)
{
    private static readonly Payload EmptyArray = new("[]", [], true, 0);

    /// <param name="hasColumns">
    /// <c>columns=</c> names the keys, so the objects of an array need not all have the same ones (what
    /// postgrest-js sends for a bulk insert or upsert).
    /// </param>
    public static async Task<Payload> ReadAsync(HttpRequest request, bool hasColumns)
    {
        using var streamReader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
        var text = await streamReader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var contentType = request.ContentType ?? string.Empty;
        if (contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return FromCsv(text);
        }

        return FromJson(text, hasColumns);
    }

    public static Payload FromJson(string text, bool hasColumns)
    {
        JsonDocument document;
        try
        {
            // PostgREST drops the parser's message in favour of this one (PostgREST#2344); an empty body is invalid too.
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json");
        }

        using (document)
        {
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    return new Payload("[" + text + "]", ObjectKeys(root), false, 1);
                case JsonValueKind.Array:
                    return FromArray(root, text, hasColumns);
                default:
                    // PostgREST reads any other JSON value as an empty array: nothing to write.
                    return EmptyArray;
            }
        }
    }

    /// <summary>Without <c>columns=</c>, every element must be an object with the same keys (PostgREST's payloadAttributes).</summary>
    private static Payload FromArray(JsonElement array, string text, bool hasColumns)
    {
        var count = array.GetArrayLength();
        if (count == 0)
        {
            return EmptyArray;
        }

        List<string>? keys = null;
        HashSet<string>? canonical = null;
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw KeysMustMatch();
            }

            var elementKeys = ObjectKeys(element);
            if (keys is null)
            {
                keys = elementKeys;
                canonical = [.. elementKeys];
            }
            else if (hasColumns)
            {
                keys.AddRange(elementKeys.Where(canonical!.Add));
            }
            else if (!canonical!.SetEquals(elementKeys))
            {
                throw KeysMustMatch();
            }
        }

        return new Payload(text, keys!, true, count);
    }

    private static List<string> ObjectKeys(JsonElement element)
    {
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var name = Name(property);
            if (seen.Add(name))
            {
                keys.Add(name);
            }
        }

        return keys;
    }

    /// <summary>
    /// Keys are the only part of the body read here (values go to Postgres as sent, and it judges them); a key
    /// escaping a lone surrogate has no .NET string at all, so the body is invalid JSON to us.
    /// </summary>
    private static string Name(JsonProperty property) =>
        PostgresText.TryGetName(property, out var name)
            ? name
            : throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", RpcArguments.UnpairedSurrogate);

    private static RestException KeysMustMatch() =>
        new(StatusCodes.Status400BadRequest, "PGRST102", "All object keys must match");

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
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "All lines must have same number of fields");
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

    /// <summary>
    /// RFC 4180 fields. As PostgREST's csvToJson, a field reading NULL (quoted or not) is a null and an empty
    /// field is an empty string.
    /// </summary>
    private static List<List<string?>> ParseCsv(string text)
    {
        var rows = new List<List<string?>>();
        var row = new List<string?>();
        var field = new StringBuilder();
        var wasQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                    i = ReadQuoted(text, i + 1, field);
                    wasQuoted = true;
                    break;
                case ',':
                    row.Add(Value(field));
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    row.Add(Value(field));
                    rows.Add(row);
                    row = [];
                    field.Clear();
                    wasQuoted = false;
                    break;
                default:
                    field.Append(text[i]);
                    break;
            }
        }

        if (field.Length > 0 || row.Count > 0 || wasQuoted)
        {
            row.Add(Value(field));
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A quoted part from <paramref name="start"/>, <c>""</c> read as a quote; returns where its closing quote is.</summary>
    private static int ReadQuoted(string text, int start, StringBuilder field)
    {
        var i = start;
        for (; i < text.Length; i++)
        {
            if (text[i] != '"')
            {
                field.Append(text[i]);
            }
            else if (i + 1 < text.Length && text[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static string? Value(StringBuilder field)
    {
        var value = field.ToString();
        return value == "NULL" ? null : value;
    }
}
