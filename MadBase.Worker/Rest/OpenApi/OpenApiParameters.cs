using System.Text.Json.Nodes;

namespace MadBase.Worker.Rest.OpenApi;

/// <summary>
/// The document's shared <c>parameters</c> (OpenAPI.hs makeParamDefs): Prefer variants, the query grammar's
/// keys, Range headers, and per relation its body and one row filter per column; operations <c>$ref</c> them.
/// </summary>
internal static class OpenApiParameters
{
    public static JsonObject Build(IEnumerable<OpenApiRelation> relations)
    {
        var parameters = new JsonObject
        {
            ["preferParams"] = Prefer(),
            ["preferReturn"] = Prefer("return=representation", "return=minimal", "return=none"),
            ["preferCount"] = Prefer("count=none"),
            ["preferPost"] = Prefer("return=representation", "return=minimal", "return=none", "resolution=ignore-duplicates", "resolution=merge-duplicates"),
            ["select"] = Plain("select", "Filtering Columns", "query"),
            ["on_conflict"] = Plain("on_conflict", "On Conflict", "query"),
            ["order"] = Plain("order", "Ordering", "query"),
            ["range"] = Plain("Range", "Limiting and Pagination", "header"),
            ["rangeUnit"] = Plain("Range-Unit", "Limiting and Pagination", "header", "items"),
            ["offset"] = Plain("offset", "Limiting and Pagination", "query"),
            ["limit"] = Plain("limit", "Limiting and Pagination", "query"),
        };
        foreach (var relation in relations)
        {
            parameters["body." + relation.Name] = new JsonObject
            {
                ["name"] = relation.Name,
                ["description"] = relation.Name,
                ["required"] = false,
                ["in"] = "body",
                ["schema"] = Ref("#/definitions/" + relation.Name),
            };
            foreach (var column in relation.Columns)
            {
                var filter = new JsonObject { ["name"] = column.Name };
                if (column.Description is not null)
                {
                    filter["description"] = column.Description;
                }

                filter["required"] = false;
                filter["in"] = "query";
                filter["type"] = "string";
                parameters[RowFilter(relation.Name, column.Name)] = filter;
            }
        }

        return parameters;
    }

    public static string RowFilter(string relation, string column) => "rowFilter." + relation + "." + column;

    public static JsonObject Ref(string target) => new() { ["$ref"] = target };

    /// <summary>A reference to one of the shared parameters above.</summary>
    public static JsonObject Shared(string name) => Ref("#/parameters/" + name);

    private static JsonObject Prefer(params string[] values)
    {
        var prefer = new JsonObject { ["name"] = "Prefer", ["description"] = "Preference", ["required"] = false, ["in"] = "header", ["type"] = "string" };
        if (values.Length > 0)
        {
            prefer["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]);
        }

        return prefer;
    }

    private static JsonObject Plain(string name, string description, string location, string? defaultValue = null)
    {
        var parameter = new JsonObject { ["name"] = name, ["description"] = description, ["required"] = false, ["in"] = location, ["type"] = "string" };
        if (defaultValue is not null)
        {
            parameter["default"] = defaultValue;
        }

        return parameter;
    }
}
