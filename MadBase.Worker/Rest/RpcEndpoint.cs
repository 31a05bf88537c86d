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
        var arguments = rest.IsRead ? RpcArguments.FromQuery(ast, overloads) : await RpcArguments.FromBodyAsync(rest, overloads);
        var function = FunctionResolver.Resolve(rest.Schema, rest.SchemaName, name, arguments);
        if (!function.IsPositional && !arguments.IsObject && arguments.Keys.Count > 0)
        {
            // An array of argument objects (PostgREST's call per element) is not supported: one call, one object.
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", "The arguments must be a JSON object");
        }

        if (function.ReturnsRelation)
        {
            await CallRelationAsync(rest, executor, function, ast, arguments);
        }
        else
        {
            await CallScalarAsync(rest, executor, function, arguments);
        }
    }

    /// <summary>A function returning rows of a table or a record type: read as that table, with select, filters and embedding.</summary>
    private static async Task CallRelationAsync(
        RestContext rest, RestExecutor executor, DbFunction function, QueryAst ast, RpcArguments arguments)
    {
        var st = new Statement();
        var table = function.ReturnTableName is { } tableName && rest.Schema.Table(function.ReturnTableSchema!, tableName) is { } known
            ? known
            : new DbTable(function.Schema, function.Name, 'f', false, function.ResultColumns, [], []);
        var root = new ReadPlanner(rest.Schema, rest.Project.Settings.Rest.AggregatesEnabled).Plan(table, ast);
        TableEndpoint.ApplyRange(rest, root);
        var source = RpcQuery.CallSource(st, function, arguments);
        var single = rest.Representation.Media == MediaType.SingleObject;
        await TableEndpoint.ReadRootAsync(
            rest, executor, root, source, single, function.ReturnsSet ? null : "object", st);
    }

    /// <summary>A function returning a scalar, a set of scalars or nothing.</summary>
    private static async Task CallScalarAsync(
        RestContext rest, RestExecutor executor, DbFunction function, RpcArguments arguments)
    {
        var st = new Statement();
        var single = rest.Representation.Media == MediaType.SingleObject;
        var rows = RpcQuery.ScalarRows(st, function, arguments);
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

    /// <summary>Before the commit: a single object needs exactly one row; max-affected (with handling=strict) caps the rows.</summary>
    private static RestException? ScalarCheck(RestContext rest, QueryResult result, bool single)
    {
        if (single && result.Page != 1)
        {
            return TableEndpoint.SingleCheck(result);
        }

        return TableEndpoint.MaxAffectedCheck(rest, result);
    }
}
