using System.Globalization;
using System.Text.Json;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Planning;
using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Rest.Sql;

namespace MadBase.Worker.Rest;

/// <summary>POST/PATCH/PUT/DELETE on /rest/v1/{table}: one data-modifying statement whose rows are shaped like a GET's.</summary>
internal static partial class TableEndpoint
{
    public static async Task WriteAsync(RestContext rest, RestExecutor executor, string name)
    {
        var request = rest.Http.Request;
        var table = rest.Table(name);
        var method = request.Method;
        var ast = QueryParser.Parse(rest.Query());
        var root = new ReadPlanner(rest.Schema, rest.Project.Settings.Rest.AggregatesEnabled).Plan(table, ast);
        CheckRange(root, HttpMethods.IsPut(method), HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method));
        var payload = HttpMethods.IsDelete(method) ? null : await Payload.ReadAsync(request, ast.Columns is not null);

        var st = new Statement();
        var (cte, upsert) = Modification(st, rest, table, root, ast, payload);

        // The filters and range ran inside the statement; the returned rows are shaped without them (in the requested order).
        root.Conditions.Clear();
        root.Limit = null;
        root.Offset = null;
        var returned = Returned(st, rest, table, root);
        st.Append("WITH " + WriteQuery.Source + " AS (" + cte + ") "
            + Envelope.Wrap(returned.Rows, null, returned.Representation, returned.WithBody || returned.Location, upsert ? WriteQuery.InsertedCount : null));

        if (rest.Representation.Plan is { } plan)
        {
            await RestResponse.WritePlanAsync(rest, await executor.ExplainAsync(rest, st, plan, rest.Rollback));
            return;
        }

        var singleObject = rest.Representation.Media == MediaType.SingleObject;
        var isPut = HttpMethods.IsPut(method);
        var result = await executor.RunAsync(rest, st, null, r => WriteCheck(rest, r, singleObject, isPut), rest.Rollback);
        if (returned.Location && result.Page == 1 && result.Body is { } keys)
        {
            rest.Http.Response.Headers.Location = Location(table, keys);
        }

        var (status, contentRange) = StatusAndRange(rest, result, returned.WithBody, upsert);
        await RestResponse.WriteAsync(rest, status, returned.WithBody ? result.Body : null, contentRange);
    }

    /// <summary>The data-modifying statement the method asks for, as a CTE; and whether it is an upsert, whose inserted rows are counted.</summary>
    private static (string Cte, bool Upsert) Modification(Statement st, RestContext rest, DbTable table, ReadNode root, QueryAst ast, Payload? payload)
    {
        var method = rest.Http.Request.Method;
        if (HttpMethods.IsPost(method))
        {
            var columns = WriteColumns(table, payload!, ast.Columns);
            foreach (var column in ast.OnConflict ?? [])
            {
                if (table.Column(column) is null)
                {
                    throw RestException.UnknownColumn(table.Name, column);
                }
            }

            var prefs = rest.Preferences;
            var cte = WriteQuery.Insert(st, table, columns, payload!.Json, prefs.MissingDefault == true, prefs.Resolution, ast.OnConflict);
            return (cte, prefs.Resolution == Resolution.MergeDuplicates);
        }

        if (HttpMethods.IsPut(method))
        {
            CheckPut(table, root);

            // PostgREST ignores columns= on PUT; a payload without the key cannot match the URL.
            var columns = WriteColumns(table, payload!, null);
            if (!table.PrimaryKey.All(columns.Contains))
            {
                throw PayloadDoesNotMatchKey();
            }

            return (WriteQuery.Insert(st, table, columns, payload!.Json, false, Resolution.MergeDuplicates, table.PrimaryKey, root.Conditions), true);
        }

        if (HttpMethods.IsPatch(method))
        {
            // PostgREST updates from the body's one row; an empty array (or a scalar) sets nothing.
            if (payload!.Rows > 1)
            {
                throw new RestException(StatusCodes.Status400BadRequest, "PGRST102", "Empty or invalid json", "PATCH takes one JSON object");
            }

            var columns = payload.Rows == 0 ? [] : WriteColumns(table, payload, ast.Columns);
            return (WriteQuery.Update(st, root, columns, payload.Json, rest.Preferences.MissingDefault == true), false);
        }

        return (WriteQuery.Delete(st, root), false);
    }

    /// <summary>What a write answers with, by <c>Prefer: return=</c>: the rows shaped as a GET's, the new row's key for Location, or nothing.</summary>
    private sealed record ReturnedRows(string Rows, Representation Representation, bool WithBody, bool Location);

    private static ReturnedRows Returned(Statement st, RestContext rest, DbTable table, ReadNode root)
    {
        var returnPreference = rest.Preferences.Return ?? ReturnPreference.Minimal;
        if (returnPreference == ReturnPreference.Representation)
        {
            return new ReturnedRows(ReadQuery.Node(st, root, null, WriteQuery.Source), rest.Representation, WithBody: true, Location: false);
        }

        if (HttpMethods.IsPost(rest.Http.Request.Method) && returnPreference == ReturnPreference.HeadersOnly && table.PrimaryKey.Count > 0)
        {
            // Only the key of the inserted row comes back, to build the Location header.
            var keys = "SELECT " + string.Join(", ", table.PrimaryKey.Select(Ident.Quote)) + " FROM " + WriteQuery.Source;
            return new ReturnedRows(keys, new Representation(MediaType.Json, false), WithBody: false, Location: true);
        }

        return new ReturnedRows("SELECT 1 FROM " + WriteQuery.Source, rest.Representation, WithBody: false, Location: false);
    }

    /// <summary>PostgREST's status and Content-Range for each method.</summary>
    private static (int Status, string? ContentRange) StatusAndRange(RestContext rest, QueryResult result, bool withBody, bool upsert)
    {
        var method = rest.Http.Request.Method;
        var total = rest.Preferences.Count != CountPreference.None ? result.Page : (long?)null;
        var unknownTotal = "*/" + (total?.ToString(CultureInfo.InvariantCulture) ?? "*");
        if (HttpMethods.IsPut(method))
        {
            return (!withBody ? StatusCodes.Status204NoContent : upsert && result.Inserted is <= 0 ? StatusCodes.Status200OK : StatusCodes.Status201Created, null);
        }

        if (HttpMethods.IsPost(method))
        {
            // As PostgREST: 201 when a row was inserted, 200 when an upsert only updated.
            return (upsert && result.Inserted is <= 0 ? StatusCodes.Status200OK : StatusCodes.Status201Created, unknownTotal);
        }

        var status = withBody ? StatusCodes.Status200OK : StatusCodes.Status204NoContent;
        return (status, HttpMethods.IsPatch(method) ? RestResponse.ContentRange(0, result.Page, total) : unknownTotal);
    }

    /// <summary>
    /// PostgREST 12's rules for a range on writes: PUT takes none (PGRST114); PATCH and DELETE take one only
    /// with an explicit order (PGRST109), since a limit without order would touch arbitrary rows.
    /// </summary>
    private static void CheckRange(ReadNode root, bool isPut, bool isPatchOrDelete)
    {
        if (isPut && WriteQuery.IsLimited(root))
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST114", "limit/offset querystring parameters are not allowed for PUT");
        }

        if (isPatchOrDelete && WriteQuery.IsLimited(root) && root.Order.Count == 0)
        {
            throw new RestException(
                StatusCodes.Status400BadRequest, "PGRST109", "A 'limit' was applied without an explicit 'order'", null,
                "Apply an 'order' using unique column(s)");
        }
    }

    /// <summary><c>/table?id=eq.5</c> (composite keys joined with <c>&amp;</c>, a null key as <c>is.null</c>), as PostgREST's Location.</summary>
    private static string Location(DbTable table, string keysJson)
    {
        using var document = JsonDocument.Parse(keysJson);
        var row = document.RootElement[0];
        // In column order, as PostgREST reads the key back from the row's JSON.
        var pairs = table.PrimaryKey.OrderBy(c => table.Column(c)?.Position ?? 0).Select(column =>
        {
            var value = row.GetProperty(column);
            var filter = value.ValueKind switch
            {
                JsonValueKind.Null => "is.null",
                JsonValueKind.String => "eq." + value.GetString(),
                _ => "eq." + value.GetRawText(),
            };
            return Uri.EscapeDataString(column) + "=" + Uri.EscapeDataString(filter);
        });
        return "/" + Uri.EscapeDataString(table.Name) + "?" + string.Join("&", pairs);
    }

    private static RestException? WriteCheck(RestContext rest, QueryResult result, bool single, bool isPut)
    {
        if (isPut && result.Page != 1)
        {
            return PayloadDoesNotMatchKey();
        }

        if (single && result.Page != 1)
        {
            return SingleCheck(result);
        }

        return MaxAffectedCheck(rest, result);
    }

    private static RestException PayloadDoesNotMatchKey() =>
        new(StatusCodes.Status400BadRequest, "PGRST115", "Payload values do not match URL in primary key column(s)");

    /// <summary>The columns a write sets: <c>columns=</c> when given, else the payload's keys; all must exist.</summary>
    private static List<string> WriteColumns(DbTable table, Payload payload, IReadOnlyList<string>? requested)
    {
        var columns = requested?.ToList() ?? [.. payload.Keys];
        foreach (var column in columns)
        {
            if (table.Column(column) is null)
            {
                throw RestException.UnknownWriteColumn(table.Name, column);
            }
        }

        return columns;
    }

    /// <summary>
    /// PUT replaces one row named by eq filters on all and only the primary key columns (PGRST105 otherwise):
    /// no other filter, no negation, no or/and tree, no JSON path.
    /// </summary>
    private static void CheckPut(DbTable table, ReadNode root)
    {
        var filters = root.Conditions.OfType<FilterCondition>().ToList();
        var onlyKeyEquality = filters.Count == root.Conditions.Count
            && filters.All(f => !f.Negated && f.Operation is { Operator: "eq", Modifier: null } && f.Field.Path.Count == 0);
        var named = filters.Select(f => f.Field.Name).ToHashSet(StringComparer.Ordinal);
        if (table.PrimaryKey.Count == 0 || !onlyKeyEquality || !named.SetEquals(table.PrimaryKey))
        {
            throw new RestException(
                StatusCodes.Status405MethodNotAllowed, "PGRST105",
                "Filters must include all and only primary key columns with 'eq' operators");
        }
    }
}
