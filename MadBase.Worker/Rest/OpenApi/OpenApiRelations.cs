using System.Text.Json.Nodes;
using MadBase.Worker.Rest.SchemaCache;
using static MadBase.Worker.Rest.OpenApi.OpenApiParameters;

namespace MadBase.Worker.Rest.OpenApi;

/// <summary>
/// A relation's path item and definition (OpenAPI.hs makePathItem, makeTableDef, makeProperty). Keys come
/// from the schema cache: primary keys (a view's traced to its table's) and single-column foreign keys
/// annotate the properties as PostgREST does.
/// </summary>
internal static class OpenApiRelations
{
    /// <summary>GET always; POST, PATCH and DELETE when the relation takes any write (PostgREST offers no PUT here).</summary>
    public static JsonObject PathItem(OpenApiRelation relation)
    {
        var name = relation.Name;
        var rowFilters = relation.Columns.Select(c => RowFilter(name, c.Name)).ToList();
        var item = new JsonObject
        {
            ["get"] = Operation(
                relation, [.. rowFilters, "select", "order", "range", "rangeUnit", "offset", "limit", "preferCount"],
                new JsonObject
                {
                    ["200"] = new JsonObject
                    {
                        ["description"] = "OK",
                        ["schema"] = new JsonObject { ["type"] = "array", ["items"] = Ref("#/definitions/" + name) },
                    },
                    ["206"] = new JsonObject { ["description"] = "Partial Content" },
                }),
        };
        if (relation.Writable)
        {
            item["post"] = Operation(relation, ["body." + name, "select", "preferPost"], Status("201", "Created"));
            item["delete"] = Operation(relation, [.. rowFilters, "preferReturn"], Status("204", "No Content"));
            item["patch"] = Operation(relation, [.. rowFilters, "body." + name, "preferReturn"], Status("204", "No Content"));
        }

        return item;
    }

    public static JsonObject Definition(OpenApiRelation relation, DbTable? cached, IReadOnlyList<DbForeignKey> foreignKeys, SchemaModel schema)
    {
        var properties = new JsonObject();
        foreach (var column in relation.Columns)
        {
            properties[column.Name] = Property(column, cached, foreignKeys, schema);
        }

        var definition = new JsonObject();
        if (relation.Description is not null)
        {
            definition["description"] = relation.Description;
        }

        var required = relation.Columns.Where(c => !c.Nullable).Select(c => JsonValue.Create(c.Name)).ToArray<JsonNode?>();
        if (required.Length > 0)
        {
            definition["required"] = new JsonArray(required);
        }

        definition["properties"] = properties;
        definition["type"] = "object";
        return definition;
    }

    /// <summary>The first line of a comment is the summary, the rest (after blank lines) the description.</summary>
    public static (string? Summary, string? Description) SplitComment(string? comment)
    {
        if (comment is null)
        {
            return (null, null);
        }

        var newline = comment.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? (comment, string.Empty) : (comment[..newline], comment[(newline + 1)..].TrimStart('\n'));
    }

    private static JsonObject Operation(OpenApiRelation relation, IEnumerable<string> parameters, JsonObject responses)
    {
        var operation = new JsonObject { ["tags"] = new JsonArray(JsonValue.Create(relation.Name)) };
        var (summary, description) = SplitComment(relation.Description);
        if (summary is not null)
        {
            operation["summary"] = summary;
        }

        if (description is { Length: > 0 })
        {
            operation["description"] = description;
        }

        operation["parameters"] = new JsonArray([.. parameters.Select(p => (JsonNode)Shared(p))]);
        operation["responses"] = responses;
        return operation;
    }

    private static JsonObject Status(string code, string description) => new() { [code] = new JsonObject { ["description"] = description } };

    private static JsonObject Property(OpenApiColumn column, DbTable? cached, IReadOnlyList<DbForeignKey> foreignKeys, SchemaModel schema)
    {
        var property = new JsonObject();
        if (SwaggerTypes.Default(column.Format, column.Default) is { } value)
        {
            property["default"] = value;
        }

        var notes = new List<string>();
        if (cached is not null && cached.PrimaryKey.Contains(column.Name))
        {
            notes.Add("This is a Primary Key.<pk/>");
        }

        if (ForeignKeyOf(column.Name, cached, foreignKeys, schema) is { } key)
        {
            var (table, target) = (key.ToTable, key.RefColumns[0]);
            notes.Add($"This is a Foreign Key to `{table}.{target}`.<fk table='{table}' column='{target}'/>");
        }

        var description = notes.Count > 0
            ? (column.Description is null ? string.Empty : column.Description + "\n\n") + "Note:\n" + string.Join("\n", notes)
            : column.Description;
        if (description is not null)
        {
            property["description"] = description;
        }

        if (column.Enum.Count > 0)
        {
            property["enum"] = new JsonArray([.. column.Enum.Select(e => JsonValue.Create(e))]);
        }

        property["format"] = column.Format;
        if (column.MaxLength is { } maxLength)
        {
            property["maxLength"] = maxLength;
        }

        if (SwaggerTypes.Of(column.Format) is { } type)
        {
            property["type"] = type;
        }

        if (SwaggerTypes.Items(column.Format) is { } items)
        {
            property["items"] = items;
        }

        return property;
    }

    /// <summary>A many-to-one key made of this column alone; one to a table wins over one to a view.</summary>
    private static DbForeignKey? ForeignKeyOf(string column, DbTable? cached, IReadOnlyList<DbForeignKey> foreignKeys, SchemaModel schema) =>
        cached is null
            ? null
            : foreignKeys
                .Where(k => k.FromSchema == cached.Schema && k.FromTable == cached.Name && k.Columns.Count == 1 && k.Columns[0] == column)
                .OrderBy(k => schema.Table(k.ToSchema, k.ToTable)?.IsView == true ? 1 : 0)
                .FirstOrDefault();
}
