using System.Text.Json;
using System.Text.Json.Nodes;

namespace MadBase.Worker.Rest.OpenApi;

/// <summary>PostgREST's Postgres-to-Swagger type mapping (OpenAPI.hs toSwaggerType, makePropertyItems, parseDefault).</summary>
internal static class SwaggerTypes
{
    /// <summary>The Swagger type of a Postgres type name; null for json and jsonb, which may hold any value.</summary>
    public static string? Of(string type) => type switch
    {
        "character varying" or "character" or "text" => "string",
        "boolean" => "boolean",
        "smallint" or "integer" or "bigint" => "integer",
        "numeric" or "real" or "double precision" => "number",
        "json" or "jsonb" => null,
        _ when type.EndsWith("[]", StringComparison.Ordinal) => "array",
        _ => "string",
    };

    public static string ElementOf(string arrayType) => arrayType[..^2];

    /// <summary>The <c>items</c> of an array type: its element's type (none for json and jsonb elements); null for other types.</summary>
    public static JsonObject? Items(string type)
    {
        if (Of(type) != "array")
        {
            return null;
        }

        var items = new JsonObject();
        if (Of(ElementOf(type)) is { } element)
        {
            items["type"] = element;
        }

        return items;
    }

    /// <summary>
    /// A column default as a JSON value when it reads as one: for string types the literal without its
    /// <c>::type</c> cast and quotes (<c>'draft'::text</c> is "draft", <c>now()</c> is "now()"), for the
    /// others the expression itself when it is JSON (<c>42</c>, <c>true</c>); else none (<c>nextval(…)</c>).
    /// </summary>
    public static JsonNode? Default(string type, string? expression)
    {
        if (expression is null)
        {
            return null;
        }

        var text = expression;
        if (Of(type) == "string")
        {
            if (text.EndsWith("::" + type, StringComparison.Ordinal))
            {
                text = text[..^(type.Length + 2)].Trim('\'');
            }

            text = "\"" + text + "\"";
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
