using System.Text.Json;
using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest;

/// <summary>GET /rest/v1/: the Swagger 2.0 description PostgREST serves (OpenAPI.hs), from the schema cache.</summary>
internal static class OpenApiDocument
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(RestContext rest)
    {
        var paths = new Dictionary<string, object> { ["/"] = new { get = new { tags = new[] { "Introspection" }, summary = "OpenAPI description (this document)", responses = new Dictionary<string, object> { ["200"] = new { description = "OK" } } } } };
        var definitions = new Dictionary<string, object>();
        foreach (var table in rest.Schema.Tables.Where(t => t.Schema == rest.SchemaName).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var reference = new Dictionary<string, string> { ["$ref"] = "#/definitions/" + table.Name };
            var ok = new Dictionary<string, object> { ["200"] = new { description = "OK", schema = new { type = "array", items = reference } } };
            var operations = new Dictionary<string, object> { ["get"] = new { tags = new[] { table.Name }, responses = ok } };
            if (table.Insertable)
            {
                operations["post"] = new { tags = new[] { table.Name }, responses = new Dictionary<string, object> { ["201"] = new { description = "Created" } } };
                operations["patch"] = new { tags = new[] { table.Name }, responses = new Dictionary<string, object> { ["204"] = new { description = "No Content" } } };
                operations["delete"] = new { tags = new[] { table.Name }, responses = new Dictionary<string, object> { ["204"] = new { description = "No Content" } } };
            }

            paths["/" + table.Name] = operations;
            definitions[table.Name] = new
            {
                type = "object",
                required = table.Columns.Where(c => !c.Nullable && c.DefaultSql is null).Select(c => c.Name).ToArray(),
                properties = table.Columns.ToDictionary(c => c.Name, c => (object)new { format = c.Type, type = JsonType(c.Type) }),
            };
        }

        foreach (var function in rest.Schema.Functions.Where(f => f.Schema == rest.SchemaName).DistinctBy(f => f.Name))
        {
            paths["/rpc/" + function.Name] = new Dictionary<string, object>
            {
                ["post"] = new { tags = new[] { "(rpc) " + function.Name }, responses = new Dictionary<string, object> { ["200"] = new { description = "OK" } } },
            };
        }

        var document = new Dictionary<string, object>
        {
            ["swagger"] = "2.0",
            ["info"] = new { title = "MadBase REST API", description = "PostgREST-compatible API of project " + rest.Project.Ref, version = "12.2" },
            ["host"] = rest.Http.Request.Host.Value ?? "localhost",
            ["basePath"] = "/rest/v1",
            ["schemes"] = new[] { rest.Http.Request.Scheme },
            ["consumes"] = new[] { "application/json", "application/vnd.pgrst.object+json", "text/csv" },
            ["produces"] = new[] { "application/json", "application/vnd.pgrst.object+json", "text/csv" },
            ["paths"] = paths,
            ["definitions"] = definitions,
        };
        rest.Http.Response.ContentType = "application/openapi+json; charset=utf-8";
        await JsonSerializer.SerializeAsync(rest.Http.Response.Body, document, Options, rest.Http.RequestAborted);
    }

    private static string JsonType(string type) => type switch
    {
        "integer" or "bigint" or "smallint" => "integer",
        "numeric" or "real" or "double precision" => "number",
        "boolean" => "boolean",
        "json" or "jsonb" => "object",
        _ when type.EndsWith("[]", StringComparison.Ordinal) => "array",
        _ => "string",
    };
}
