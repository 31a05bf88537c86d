using System.Text.Json.Nodes;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Planning;
using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Rest.Sql;

namespace MadBase.Worker.Rest;

/// <summary>/rest/v1/rpc/{fn}: POST with JSON arguments, GET/HEAD with arguments in the query string.</summary>
internal static class RpcEndpoint
{
    public static async Task CallAsync(RestContext rest, RestExecutor executor, string name)
    {
        var overloads = rest.Schema.FunctionsNamed(rest.SchemaName, name).ToList();
        var argumentNames = overloads.SelectMany(f => f.Args).Select(a => a.Name).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        var ast = QueryParser.Parse(rest.Query(), rest.IsRead ? argumentNames : null);

        JsonObject arguments;
        string rawBody;
        if (rest.IsRead)
        {
            arguments = [];
            foreach (var (key, value) in ast.Arguments)
            {
                arguments[key] = value;
            }

            rawBody = arguments.ToJsonString();
        }
        else
        {
            using var reader = new StreamReader(rest.Http.Request.Body, leaveOpen: true);
            rawBody = await reader.ReadToEndAsync(rest.Http.RequestAborted);
            JsonNode? node;
            try
            {
                node = rawBody.Trim().Length == 0 ? new JsonObject() : JsonNode.Parse(rawBody);
            }
            catch (System.Text.Json.JsonException error)
            {
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", error.Message);
            }

            arguments = node as JsonObject ?? [];
            if (node is not JsonObject && !overloads.Any(f => f.TakesWholeBody))
            {
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", "The arguments must be a JSON object");
            }

            if (rawBody.Trim().Length == 0)
            {
                rawBody = "{}";
            }
        }

        var function = Resolve(rest, name, overloads, arguments);
        var given = function.TakesWholeBody ? function.Args : function.Args.Where(a => arguments.ContainsKey(a.Name)).ToList();
        var argsJson = function.TakesWholeBody ? rawBody : arguments.ToJsonString();
        var st = new Statement();

        if (function.ReturnsRelation)
        {
            var table = function.ReturnTableName is { } tableName && rest.Schema.Table(function.ReturnTableSchema!, tableName) is { } known
                ? known
                : new DbTable(function.Schema, function.Name, 'f', false, function.ResultColumns, [], []);
            var root = new ReadPlanner(rest.Schema, rest.Project.Settings.Rest.AggregatesEnabled).Plan(table, ast);
            TableEndpoint.ApplyRange(rest, root);
            var source = RpcQuery.CallSource(st, function, given, argsJson);
            var single = rest.Representation.Media == MediaType.SingleObject;
            await TableEndpoint.ReadRootAsync(
                rest, executor, root, source, single, function.ReturnsSet ? null : "object", st);
            return;
        }

        var rows = RpcQuery.ScalarRows(st, function, given, argsJson);
        var body = function.ReturnsVoid
            ? "NULL::text"
            : function.ReturnsSet
                ? "coalesce(json_agg(\"pgrst_r\".\"pgrst_scalar\"), '[]')::text"
                : "(json_agg(\"pgrst_r\".\"pgrst_scalar\") -> 0)::text";
        st.Append($"SELECT NULL::bigint, pg_catalog.count(*), {body} FROM ({rows}) AS \"pgrst_r\"");
        if (rest.Representation.Plan is { } plan)
        {
            await RestResponse.WritePlanAsync(rest, await executor.ExplainAsync(rest, st, plan, rest.Rollback));
            return;
        }

        var result = await executor.RunAsync(rest, st, null, null, rest.Rollback);
        if (function.ReturnsVoid)
        {
            await RestResponse.WriteAsync(rest, StatusCodes.Status204NoContent, null, null);
            return;
        }

        await RestResponse.WriteAsync(rest, StatusCodes.Status200OK, result.Body ?? "null", null);
    }

    /// <summary>Overload resolution by argument names, as PostgREST does: every given name known, every required one given.</summary>
    private static DbFunction Resolve(RestContext rest, string name, List<DbFunction> overloads, JsonObject arguments)
    {
        var matches = overloads.Where(f =>
            f.TakesWholeBody
            || (arguments.All(p => f.Args.Any(a => a.Name == p.Key))
                && f.Args.All(a => a.HasDefault || arguments.ContainsKey(a.Name)))).ToList();
        if (matches.Count > 1)
        {
            // A whole-body overload only wins when nothing else fits.
            var named = matches.Where(f => !f.TakesWholeBody).ToList();
            matches = named.Count > 0 ? named : matches;
        }

        if (matches.Count == 1)
        {
            return matches[0];
        }

        var signature = string.Join(", ", arguments.Select(p => p.Key));
        if (matches.Count == 0)
        {
            throw new RestException(
                StatusCodes.Status404NotFound, "PGRST202",
                $"Could not find the function {rest.SchemaName}.{name}({signature}) in the schema cache",
                $"Searched for the function {rest.SchemaName}.{name} with parameters {signature} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
                "Perhaps you meant to call a different function, or the schema cache is stale.");
        }

        throw new RestException(
            StatusCodes.Status300MultipleChoices, "PGRST203",
            $"Could not choose the best candidate function between: {string.Join(", ", matches.Select(f => $"{f.Schema}.{f.Name}({string.Join(", ", f.Args.Select(a => a.Name + " => " + a.Type))})"))}",
            null,
            "Try renaming the parameters or the function itself in the database so function overloading can be resolved");
    }
}
