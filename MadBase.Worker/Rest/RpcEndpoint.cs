using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Database;
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
        var ast = QueryParser.Parse(rest.Query(), rpcRead: rest.IsRead);
        var (arguments, rawBody) = rest.IsRead
            ? FromQuery(ast, overloads)
            : await FromBodyAsync(rest, overloads);

        var function = Resolve(rest, name, overloads, arguments);
        var given = function.TakesWholeBody ? function.Args : function.Args.Where(a => arguments.ContainsKey(a.Name)).ToList();
        var argsJson = function.TakesWholeBody ? rawBody : arguments.ToJsonString();
        if (function.ReturnsRelation)
        {
            await CallRelationAsync(rest, executor, function, ast, given, argsJson);
        }
        else
        {
            await CallScalarAsync(rest, executor, function, given, argsJson);
        }
    }

    /// <summary>GET/HEAD: the arguments are the query string's parameters that are not filters.</summary>
    private static (JsonObject Arguments, string RawBody) FromQuery(QueryAst ast, List<DbFunction> overloads)
    {
        var arguments = ReadArguments(ast, overloads);
        return (arguments, arguments.ToJsonString());
    }

    /// <summary>POST: a JSON object of named arguments, or any JSON for a function taking the whole body.</summary>
    private static async Task<(JsonObject Arguments, string RawBody)> FromBodyAsync(RestContext rest, List<DbFunction> overloads)
    {
        using var reader = new StreamReader(rest.Http.Request.Body, leaveOpen: true);
        var rawBody = await reader.ReadToEndAsync(rest.Http.RequestAborted);
        JsonNode? node;
        try
        {
            node = rawBody.Trim().Length == 0 ? new JsonObject() : ParseArguments(rawBody);
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", error.Message);
        }

        if (node is not JsonObject && !overloads.Any(f => f.TakesWholeBody))
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", "The arguments must be a JSON object");
        }

        return (node as JsonObject ?? [], rawBody.Trim().Length == 0 ? "{}" : rawBody);
    }

    /// <summary>A function returning rows of a table or a record type: read as that table, with select, filters and embedding.</summary>
    private static async Task CallRelationAsync(
        RestContext rest, RestExecutor executor, DbFunction function, QueryAst ast, IReadOnlyList<DbFunctionArg> given, string argsJson)
    {
        var st = new Statement();
        var table = function.ReturnTableName is { } tableName && rest.Schema.Table(function.ReturnTableSchema!, tableName) is { } known
            ? known
            : new DbTable(function.Schema, function.Name, 'f', false, function.ResultColumns, [], []);
        var root = new ReadPlanner(rest.Schema, rest.Project.Settings.Rest.AggregatesEnabled).Plan(table, ast);
        TableEndpoint.ApplyRange(rest, root);
        var source = RpcQuery.CallSource(st, function, given, argsJson);
        var single = rest.Representation.Media == MediaType.SingleObject;
        await TableEndpoint.ReadRootAsync(
            rest, executor, root, source, single, function.ReturnsSet ? null : "object", st);
    }

    /// <summary>A function returning a scalar, a set of scalars or nothing.</summary>
    private static async Task CallScalarAsync(
        RestContext rest, RestExecutor executor, DbFunction function, IReadOnlyList<DbFunctionArg> given, string argsJson)
    {
        var st = new Statement();
        var single = rest.Representation.Media == MediaType.SingleObject;
        var rows = RpcQuery.ScalarRows(st, function, given, argsJson);
        string Strip(string json) => rest.Representation.StripNulls ? $"json_strip_nulls({json})" : json;
        var body = function.ReturnsVoid
            ? "NULL::text"
            : rest.Representation.Media == MediaType.Csv
                ? Envelope.Csv(rows)
            : function.ReturnsSet && !single
                ? $"coalesce({Strip("json_agg(\"pgrst_r\".\"pgrst_scalar\")")}, '[]')::text"
                : $"coalesce({Strip("json_agg(\"pgrst_r\".\"pgrst_scalar\") -> 0")}, 'null')::text";
        st.Append($"SELECT NULL::bigint, pg_catalog.count(*), {body} FROM ({rows}) AS \"pgrst_r\"");
        if (rest.Representation.Plan is { } plan)
        {
            await RestResponse.WritePlanAsync(rest, await executor.ExplainAsync(rest, st, plan, rest.Rollback));
            return;
        }

        var result = await executor.RunAsync(rest, st, null, r => ScalarCheck(rest, r, single), rest.Rollback);

        // As PostgREST: a Content-Range over the rows the call returned (a scalar is one), counted when asked.
        var total = rest.Preferences.Count != CountPreference.None ? result.Page : (long?)null;
        var contentRange = RestResponse.ContentRange(0, result.Page, total);
        if (function.ReturnsVoid)
        {
            await RestResponse.WriteAsync(rest, StatusCodes.Status204NoContent, null, contentRange);
            return;
        }

        await RestResponse.WriteAsync(rest, StatusCodes.Status200OK, result.Body ?? "null", contentRange);
    }

    /// <summary>
    /// The body as a node, refusing a lone surrogate escape anywhere in it: the arguments are written out as
    /// JSON again for the call, which such a string cannot survive (Postgres judges everything else).
    /// </summary>
    private static JsonNode? ParseArguments(string rawBody)
    {
        using (var document = System.Text.Json.JsonDocument.Parse(rawBody))
        {
            if (!PostgresText.IsDecodable(document.RootElement))
            {
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", UnpairedSurrogate);
            }
        }

        return JsonNode.Parse(rawBody);
    }

    internal const string UnpairedSurrogate = "strings must not contain unpaired UTF-16 surrogates";

    /// <summary>Before the commit: a single object needs exactly one row; max-affected (with handling=strict) caps the rows.</summary>
    private static RestException? ScalarCheck(RestContext rest, QueryResult result, bool single)
    {
        if (single && result.Page != 1)
        {
            return TableEndpoint.SingleCheck(result);
        }

        return TableEndpoint.MaxAffectedCheck(rest, result);
    }

    /// <summary>
    /// GET/HEAD arguments as PostgREST's jsonRpcParams: the last value of a repeated key wins, except for a
    /// VARIADIC argument, whose values (one or many) make its array.
    /// </summary>
    private static JsonObject ReadArguments(QueryAst ast, List<DbFunction> overloads)
    {
        var variadic = overloads.SelectMany(f => f.Args).Where(a => a.Variadic).Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var arguments = new JsonObject();
        foreach (var (key, value) in ast.Arguments)
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

    /// <summary>
    /// PGRST202 worded as PostgREST's NoRpc: the argument names sorted, "without parameters" when none, and a
    /// hint naming the closest function of the schema (or the closest parameter list of the overloads).
    /// </summary>
    private static RestException NoFunction(RestContext rest, string name, List<DbFunction> overloads, List<string> keys)
    {
        var function = rest.SchemaName + "." + name;
        var list = string.Join(", ", keys);
        var inMessage = keys.Count == 0 ? " without parameters" : "(" + list + ")";
        var inDetails = keys.Count == 0 ? " without parameters" : (keys.Count > 1 ? " with parameters " : " with parameter ") + list;
        if (!rest.IsRead)
        {
            inDetails += " or with a single unnamed json/jsonb parameter";
        }

        string? hint;
        if (overloads.Count == 0)
        {
            var names = rest.Schema.Functions.Where(f => f.Schema == rest.SchemaName).Select(f => f.Name);
            hint = Planning.FuzzyNames.Closest(names, name) is { } closest ? $"Perhaps you meant to call the function {rest.SchemaName}.{closest}" : null;
        }
        else
        {
            static string Params(IEnumerable<string> names) => "(" + string.Join(", ", names.Order(StringComparer.Ordinal)) + ")";
            var lists = overloads.Select(f => Params(f.Args.Select(a => a.Name)));
            hint = Planning.FuzzyNames.Closest(lists, Params(keys)) is { } closest ? $"Perhaps you meant to call the function {function}{closest}" : null;
        }

        return new RestException(
            StatusCodes.Status404NotFound, "PGRST202",
            $"Could not find the function {function}{inMessage} in the schema cache",
            $"Searched for the function {function}{inDetails}, but no matches were found in the schema cache.",
            hint);
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

        if (matches.Count == 0)
        {
            throw NoFunction(rest, name, overloads, [.. arguments.Select(p => p.Key).Order(StringComparer.Ordinal)]);
        }

        throw new RestException(
            StatusCodes.Status300MultipleChoices, "PGRST203",
            $"Could not choose the best candidate function between: {string.Join(", ", matches.Select(f => $"{f.Schema}.{f.Name}({string.Join(", ", f.Args.Select(a => a.Name + " => " + a.Type))})"))}",
            null,
            "Try renaming the parameters or the function itself in the database so function overloading can be resolved");
    }
}
