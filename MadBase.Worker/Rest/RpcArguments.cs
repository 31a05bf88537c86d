using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.SchemaCache;
using Microsoft.AspNetCore.WebUtilities;

namespace MadBase.Worker.Rest;

/// <summary>How a POST to /rpc carries its arguments, by Content-Type, as PostgREST's payload parser tells them apart.</summary>
internal enum RpcMedia
{
    /// <summary>A JSON object of named arguments (also what a GET's query string is read as).</summary>
    Json,

    /// <summary>Named arguments as <c>application/x-www-form-urlencoded</c>.</summary>
    UrlEncoded,

    /// <summary>The raw body, for a function with a single unnamed <c>text</c> parameter.</summary>
    Text,

    /// <summary>The raw body, for a single unnamed <c>xml</c> parameter.</summary>
    Xml,

    /// <summary>The raw bytes, for a single unnamed <c>bytea</c> parameter.</summary>
    OctetStream,
}

/// <summary>
/// The arguments of a call to /rpc/{fn}: the names they give (what overloads are resolved by), the named values,
/// and the raw body a function with a single unnamed parameter receives whole.
/// </summary>
internal sealed record RpcArguments(RpcMedia Media, bool IsPost, IReadOnlySet<string> Keys, JsonObject Named, string RawText, byte[]? RawBytes)
{
    /// <summary>The body as bytes, for a bytea parameter: as sent, or the text's UTF-8.</summary>
    public byte[] Bytes => RawBytes ?? Encoding.UTF8.GetBytes(RawText);

    /// <summary>The body is a JSON object (or there is none): named arguments can be taken from it.</summary>
    public bool IsObject { get; init; } = true;

    /// <summary>GET/HEAD: the arguments are the query string's parameters that are not filters.</summary>
    public static RpcArguments FromQuery(QueryAst ast, IReadOnlyList<DbFunction> overloads)
    {
        var named = Collect(ast.Arguments, overloads);
        return new RpcArguments(RpcMedia.Json, false, KeysOf(named), named, named.ToJsonString(), null);
    }

    /// <summary>POST: the body read as its Content-Type says (a missing one is JSON, as in PostgREST).</summary>
    public static async Task<RpcArguments> FromBodyAsync(RestContext rest, IReadOnlyList<DbFunction> overloads)
    {
        var request = rest.Http.Request;
        var media = MediaOf(request.ContentType);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, rest.Http.RequestAborted);
        var bytes = buffer.ToArray();
        switch (media)
        {
            case RpcMedia.OctetStream:
                return new RpcArguments(media, true, new HashSet<string>(), [], Utf8(bytes), bytes);
            case RpcMedia.Text or RpcMedia.Xml:
                return new RpcArguments(media, true, new HashSet<string>(), [], Utf8(bytes), null);
            case RpcMedia.UrlEncoded:
                var form = QueryHelpers.ParseQuery(Utf8(bytes))
                    .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? string.Empty)));
                var fields = Collect(form, overloads);
                return new RpcArguments(media, true, KeysOf(fields), fields, fields.ToJsonString(), null);
            default:
                return FromJson(Utf8(bytes));
        }
    }

    private static RpcArguments FromJson(string rawBody)
    {
        if (rawBody.Trim().Length == 0)
        {
            return new RpcArguments(RpcMedia.Json, true, new HashSet<string>(), [], "{}", null);
        }

        JsonNode? node;
        try
        {
            node = ParseArguments(rawBody);
        }
        catch (JsonException error)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", error.Message);
        }

        // As PostgREST's payloadAttributes: an object gives its keys, an array of objects the keys they all share;
        // any other JSON value gives none.
        var keys = node switch
        {
            JsonObject one => one.Select(p => p.Key).ToHashSet(StringComparer.Ordinal),
            JsonArray { Count: > 0 } many when many[0] is JsonObject first => UniformKeys(many, first),
            _ => new HashSet<string>(),
        };
        return new RpcArguments(RpcMedia.Json, true, keys, node as JsonObject ?? [], rawBody, null) { IsObject = node is JsonObject };
    }

    private static HashSet<string> UniformKeys(JsonArray array, JsonObject first)
    {
        var keys = first.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return array.All(e => e is JsonObject o && o.Count == keys.Count && o.All(p => keys.Contains(p.Key)))
            ? keys
            : throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "All object keys must match");
    }

    /// <summary>
    /// The body as a node, refusing a lone surrogate escape anywhere in it: the arguments are written out as
    /// JSON again for the call, which such a string cannot survive (Postgres judges everything else).
    /// </summary>
    private static JsonNode? ParseArguments(string rawBody)
    {
        using (var document = JsonDocument.Parse(rawBody))
        {
            if (!PostgresText.IsDecodable(document.RootElement))
            {
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", UnpairedSurrogate);
            }
        }

        return JsonNode.Parse(rawBody);
    }

    internal const string UnpairedSurrogate = "strings must not contain unpaired UTF-16 surrogates";

    /// <summary>PostgREST's decodeMediaType, as far as a call reads it; anything else is not acceptable for a call.</summary>
    private static RpcMedia MediaOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return RpcMedia.Json;
        }

        var mime = contentType.Split(';', 2)[0].Trim().ToLowerInvariant();
        return mime switch
        {
            "application/json" or "application/vnd.pgrst.array+json" or "application/vnd.pgrst.array" => RpcMedia.Json,
            "application/x-www-form-urlencoded" => RpcMedia.UrlEncoded,
            "text/plain" => RpcMedia.Text,
            "text/xml" => RpcMedia.Xml,
            "application/octet-stream" => RpcMedia.OctetStream,
            _ => throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Content-Type not acceptable: " + contentType.Trim()),
        };
    }

    /// <summary>
    /// Query-string or form arguments as PostgREST's jsonRpcParams: the last value of a repeated key wins, except
    /// for a VARIADIC argument, whose values (one or many) make its array.
    /// </summary>
    private static JsonObject Collect(IEnumerable<KeyValuePair<string, string>> pairs, IReadOnlyList<DbFunction> overloads)
    {
        var variadic = overloads.SelectMany(f => f.Args).Where(a => a.Variadic).Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var arguments = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            if (variadic.Contains(key))
            {
                if (arguments[key] is not JsonArray values)
                {
                    arguments[key] = values = [];
                }

                values.Add(value);
            }
            else
            {
                arguments[key] = value;
            }
        }

        return arguments;
    }

    private static HashSet<string> KeysOf(JsonObject named) => named.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

    private static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
