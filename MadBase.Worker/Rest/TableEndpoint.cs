using System.Globalization;
using System.Text.RegularExpressions;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Planning;
using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Rest.Sql;

namespace MadBase.Worker.Rest;

/// <summary>GET/HEAD on /rest/v1/{table}: parse → plan → one statement → response (writes in TableEndpoint.Write.cs).</summary>
internal static partial class TableEndpoint
{
    public static async Task ReadAsync(RestContext rest, RestExecutor executor, string name)
    {
        var table = rest.Table(name);
        var ast = QueryParser.Parse(rest.Query());
        var root = new ReadPlanner(rest.Schema, rest.Project.Settings.Rest.AggregatesEnabled).Plan(table, ast);
        ApplyRange(rest, root);
        await ReadRootAsync(rest, executor, root, table.QualifiedName, single: rest.Representation.Media == MediaType.SingleObject);
    }

    /// <summary>Shared by tables and set-returning functions: the root node read from <paramref name="source"/>.</summary>
    public static async Task ReadRootAsync(
        RestContext rest, RestExecutor executor, ReadNode root, string source, bool single, string? rpcObject = null, Statement? statement = null)
    {
        var st = statement ?? new Statement();
        var rows = ReadQuery.Node(st, root, null, source);
        var isCall = statement is not null;
        var (count, totalSql, planned) = Count(rest, st, root, source, isCall);

        // A function returning one row answers with an object, except where the media type has its own shape.
        var representation = rpcObject is null || rest.Representation.Media == MediaType.GeoJson
            ? rest.Representation
            : rest.Representation with { Media = MediaType.SingleObject };
        st.Append(Envelope.Wrap(rows, totalSql, representation, withBody: true));
        if (rest.Representation.Plan is { } plan)
        {
            // The plan of the statement itself; counts made by separate statements are not part of it.
            await RestResponse.WritePlanAsync(rest, await executor.ExplainAsync(rest, st, plan, rest.Rollback));
            return;
        }

        // A function call may write: it keeps tx=rollback and max-affected (handling=strict), as PostgREST's call does.
        Func<QueryResult, RestException?>? check = isCall
            ? r => single && r.Page != 1 ? SingleCheck(r) : MaxAffectedCheck(rest, r)
            : single ? SingleCheck : null;
        var result = await executor.RunAsync(rest, st, planned, check, rollback: isCall && rest.Rollback);
        if (count == CountPreference.Estimated && result.Total is { } estimate && estimate < (rest.Project.Settings.Rest.MaxRows ?? 1000))
        {
            // Small tables: an exact count costs little, as PostgREST's estimated count does below db-max-rows.
            var exact = new Statement();
            exact.Append(Envelope.Wrap(ReadQuery.Node(exact, root, null, source, countOnly: true), null, representation, withBody: false));
            var counted = await executor.RunAsync(rest, exact, null, null, rollback: false);
            result = result with { Total = counted.Page };
        }

        var offset = root.Offset ?? 0;
        var body = rpcObject is not null && result.Body is null ? "null" : result.Body;
        await RestResponse.WriteAsync(rest, StatusOf(result, offset, single), body, RestResponse.ContentRange(offset, result.Page, result.Total));
    }

    /// <summary>
    /// How the total is counted (<c>Prefer: count=</c>): exactly in the same statement, or from the plan of a
    /// separate EXPLAIN.
    /// </summary>
    private static (CountPreference Count, string? TotalSql, Statement? Planned) Count(
        RestContext rest, Statement st, ReadNode root, string source, bool isCall)
    {
        var count = rest.Preferences.Count;
        if (isCall && count != CountPreference.None)
        {
            // A function source carries its own parameters: count it exactly in the same statement.
            count = CountPreference.Exact;
        }

        if (count == CountPreference.Exact)
        {
            return (count, $"(SELECT pg_catalog.count(*) FROM ({ReadQuery.Node(st, root, null, source, countOnly: true)}) AS \"pgrst_c\")", null);
        }

        if (count is CountPreference.Planned or CountPreference.Estimated)
        {
            var planned = new Statement();
            planned.Append("EXPLAIN (FORMAT JSON) ").Append(ReadQuery.Node(planned, root, null, source, countOnly: true));
            return (count, null, planned);
        }

        return (count, null, null);
    }

    /// <summary>200, or 206 for part of a counted total; as PostgREST's rangeStatusHeader, only an offset past the total is unsatisfiable.</summary>
    private static int StatusOf(QueryResult result, long offset, bool single)
    {
        if (result.Total is not { } total)
        {
            return StatusCodes.Status200OK;
        }

        if (offset > total)
        {
            // An offset at the total is an empty 206.
            throw new RestException(
                StatusCodes.Status416RangeNotSatisfiable, "PGRST103", "Requested range not satisfiable",
                $"An offset of {offset} was requested, but there are only {total} rows.")
            {
                Headers = [new("Content-Range", RestResponse.ContentRange(offset, result.Page, total))],
            };
        }

        return result.Page < total && !single ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
    }

    public static RestException? MaxAffectedCheck(RestContext rest, QueryResult result) =>
        rest.Preferences is { Strict: true, MaxAffected: { } max } && result.Page > max
            ? new RestException(
                StatusCodes.Status400BadRequest, "PGRST124", "Query result exceeds max-affected preference constraint",
                $"The query affects {result.Page} rows")
            : null;

    public static RestException? SingleCheck(QueryResult result) =>
        result.Page == 1
            ? null
            : new RestException(
                StatusCodes.Status406NotAcceptable, "PGRST116", "JSON object requested, multiple (or no) rows returned",
                $"The result contains {result.Page} rows");

    /// <summary>
    /// The Range request header (items, GET only) intersected with the root's limit/offset, as PostgREST's
    /// getRanges; <c>limit=0</c> wins over the header; then the project's max-rows cap.
    /// </summary>
    public static void ApplyRange(RestContext rest, ReadNode root)
    {
        if (root.Limit < 0)
        {
            throw new RestException(StatusCodes.Status416RangeNotSatisfiable, "PGRST103", "Requested range not satisfiable", "Limit should be greater than or equal to zero.");
        }

        var request = rest.Http.Request;
        var range = HttpMethods.IsGet(request.Method) ? request.Headers.Range.ToString() : string.Empty;
        if (range.Length > 0 && root.Limit != 0 && RangePattern().Match(range) is { Success: true } match)
        {
            var from = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            long? to = match.Groups[2].Success ? long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : null;
            if (to < from)
            {
                throw new RestException(StatusCodes.Status416RangeNotSatisfiable, "PGRST103", "Requested range not satisfiable", "The lower boundary must be lower than or equal to the upper boundary in the Range header.");
            }

            var offset = root.Offset ?? 0;
            var lower = Math.Max(from, offset);
            var upper = root.Limit is { } limit && limit <= long.MaxValue - offset ? Math.Min(to ?? long.MaxValue, offset + limit - 1) : to;
            if (upper < lower)
            {
                throw new RestException(StatusCodes.Status416RangeNotSatisfiable, "PGRST103", "Requested range not satisfiable", "Limit should be greater than or equal to zero.");
            }

            root.Offset = lower;
            root.Limit = upper - lower + 1;
        }

        if (rest.Project.Settings.Rest.MaxRows is { } max && (root.Limit is null || root.Limit > max))
        {
            root.Limit = max;
        }
    }

    [GeneratedRegex(@"^\s*(?:items=)?(\d{1,18})-(\d{1,18})?\s*$")]
    private static partial Regex RangePattern();
}
