using System.Text.Json.Nodes;

namespace MadBase.Worker.Rest.OpenApi;

/// <summary>
/// <c>/rpc/name</c> path items (OpenAPI.hs makeProcPathItem): POST takes the arguments as a body object,
/// GET (not offered for a volatile function) one query parameter per argument.
/// </summary>
internal static class OpenApiFunctions
{
    private static readonly string[] Produces =
        ["application/json", "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.object+json"];

    public static JsonObject PathItem(OpenApiFunction function)
    {
        var item = new JsonObject();
        if (!function.Volatile)
        {
            item["get"] = Operation(function, new JsonArray([.. function.Arguments.Select(QueryParameter)]));
        }

        var body = new JsonObject
        {
            ["name"] = "args",
            ["required"] = true,
            ["in"] = "body",
            ["schema"] = BodySchema(function),
        };
        item["post"] = Operation(function, new JsonArray(body, OpenApiParameters.Shared("preferParams")));
        return item;
    }

    private static JsonObject Operation(OpenApiFunction function, JsonArray parameters)
    {
        var operation = new JsonObject { ["tags"] = new JsonArray(JsonValue.Create("(rpc) " + function.Name)) };
        var (summary, description) = OpenApiRelations.SplitComment(function.Description);
        if (summary is not null)
        {
            operation["summary"] = summary;
        }

        if (description is { Length: > 0 })
        {
            operation["description"] = description;
        }

        operation["produces"] = new JsonArray([.. Produces.Select(p => JsonValue.Create(p))]);
        operation["parameters"] = parameters;
        operation["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } };
        return operation;
    }

    private static JsonObject BodySchema(OpenApiFunction function)
    {
        var schema = new JsonObject();
        if (function.Description is not null)
        {
            schema["description"] = function.Description;
        }

        var properties = new JsonObject();
        foreach (var argument in function.Arguments)
        {
            var property = new JsonObject { ["format"] = argument.Type };
            if (SwaggerTypes.Of(argument.Type) is { } type)
            {
                property["type"] = type;
            }

            if (SwaggerTypes.Items(argument.Type) is { } items)
            {
                property["items"] = items;
            }

            properties[argument.Name] = property;
        }

        schema["properties"] = properties;
        var required = function.Arguments.Where(a => a.Required).Select(a => JsonValue.Create(a.Name)).ToArray<JsonNode?>();
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray(required);
        }

        schema["type"] = "object";
        return schema;
    }

    /// <summary>
    /// A query parameter is a string when its type has no scalar Swagger type (arrays are written <c>{…}</c>);
    /// a VARIADIC argument repeats the key instead (collectionFormat multi).
    /// </summary>
    private static JsonNode QueryParameter(OpenApiArgument argument)
    {
        var parameter = new JsonObject { ["name"] = argument.Name, ["required"] = argument.Required, ["in"] = "query" };
        var type = SwaggerTypes.Of(argument.Type);
        if (argument.Variadic)
        {
            var element = SwaggerTypes.ElementOf(argument.Type);
            var items = new JsonObject();
            if (SwaggerTypes.Of(element) is { } elementType)
            {
                items["type"] = elementType;
            }

            items["format"] = element;
            parameter["type"] = type ?? "string";
            parameter["items"] = items;
            parameter["collectionFormat"] = "multi";
        }
        else
        {
            parameter["type"] = type is null or "array" ? "string" : type;
            parameter["format"] = argument.Type;
        }

        return parameter;
    }
}
