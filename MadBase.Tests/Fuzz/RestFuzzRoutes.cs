using System.Text;
using MadBase.Tests.Rest;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// /rest/v1: tables and functions of the library schema read and written with mutated PostgREST grammar
/// (the keys and values <see cref="QueryFuzzTests"/> plans against), hostile bodies, Prefer and Accept.
/// </summary>
internal static class RestFuzzRoutes
{
    /// <summary>The library schema's tables and their columns (RestFixtureSql), so that write bodies reach Postgres.</summary>
    private static readonly Dictionary<string, string[]> Tables = new(StringComparer.Ordinal)
    {
        ["books"] = ["id", "title", "author_id", "pages", "tags", "meta", "published", "rating"],
        ["authors"] = ["id", "name", "country"],
        ["notes"] = ["id", "owner", "body"],
        ["items"] = ["id", "name", "qty"],
        ["codes"] = ["code", "label"],
        ["pairs"] = ["a", "b", "note"],
        ["logs"] = ["msg"],
        ["jobs"] = ["id", "queue", "priority", "state"],
        ["genres"] = ["id", "name"],
    };

    private static readonly string[] Functions = ["add", "books_by", "stats", "titles", "fail", "echo"];
    private static readonly string[] RpcArguments = ["a", "b", "author", "x"];

    public static FuzzRequest Next(Random random, FuzzProject project)
    {
        var known = FuzzText.Pick(random, Tables.Keys.ToList());
        var table = random.Next(8) == 0 ? FuzzText.UrlJunk(random) : known;
        var columns = Tables[known];
        var function = random.Next(8) == 0 ? FuzzText.UrlJunk(random) : FuzzText.Pick(random, Functions);
        var (method, path, bodyFields) = random.Next(17) switch
        {
            0 or 1 or 2 or 3 => ("GET", "/" + table + Grammar(random), null),
            4 => ("HEAD", "/" + table + Grammar(random), null),
            5 or 6 => ("POST", "/" + table + WriteQuery(random, columns), columns),
            7 => ("PATCH", "/" + table + WriteQuery(random, columns), columns),
            8 => ("PUT", "/" + table + WriteQuery(random, columns), columns),
            9 => ("DELETE", "/" + table + Grammar(random), null),
            10 or 11 => ("POST", "/rpc/" + function + Grammar(random), RpcArguments),
            12 => ("GET", "/rpc/" + function + FuzzText.Query(random, RpcArguments) + Grammar(random).Replace('?', '&'), null),
            13 => ("OPTIONS", "/" + FuzzText.Pick(random, ["", table, "rpc/" + function]), null),
            14 => ("GET", "/", null),
            _ => ("GET", "/" + table + Grammar(random), null),
        };

        var bearer = random.Next(6) switch
        {
            0 => project.AnonKey,
            1 => project.UserToken,
            2 => project.Tokens.Next(random),
            _ => project.ServiceRoleKey,
        };
        var headers = project.Headers(bearer);
        if (random.Next(3) == 0)
        {
            headers.AddRange(FuzzBodies.Headers(random));
        }
        else if (bodyFields is not null && random.Next(2) == 0)
        {
            headers.Add(new("Prefer", FuzzText.Pick(random, ["return=representation", "return=representation,resolution=merge-duplicates", "missing=default,return=minimal", "tx=rollback,return=representation"])));
        }

        byte[]? body = null;
        if (bodyFields is not null)
        {
            var csv = random.Next(8) == 0;
            body = csv ? Encoding.UTF8.GetBytes(Csv(random, bodyFields)) : random.Next(4) == 0 ? Array(random, bodyFields) : FuzzJson.Body(random, bodyFields);
            headers.Add(new("Content-Type", csv ? "text/csv" : "application/json"));
        }

        return new FuzzRequest(method, "/rest/v1" + path, headers, body);
    }

    /// <summary>A query string of PostgREST grammar: known keys and values, mutated, percent-encoded or not.</summary>
    private static string Grammar(Random random)
    {
        var parts = new List<string>();
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            // Mutate leaves three in four as they are, so most requests are valid grammar that reaches the database.
            var key = QueryFuzzTests.Mutate(random, FuzzText.Pick(random, QueryFuzzTests.Keys));
            var value = QueryFuzzTests.Mutate(random, FuzzText.Pick(random, QueryFuzzTests.Values));
            if (random.Next(6) == 0)
            {
                value += FuzzText.Junk(random);
            }

            parts.Add(random.Next(5) == 0 ? key + "=" + FuzzText.UrlJunk(random) : Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(value));
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join("&", parts);
    }

    /// <summary>A write's query: mostly what postgrest-js sends (a filter, on_conflict, columns, select), sometimes grammar junk.</summary>
    private static string WriteQuery(Random random, IReadOnlyList<string> columns)
    {
        var column = FuzzText.Pick(random, columns);
        return random.Next(4) switch
        {
            0 => Grammar(random),
            1 => $"?{column}=eq.{FuzzText.UrlJunk(random)}",
            2 => $"?on_conflict={column}&columns={string.Join(",", columns)}&select=*",
            _ => string.Empty,
        };
    }

    private static byte[] Array(Random random, IReadOnlyList<string> fields) =>
        Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => FuzzJson.Object(random, fields, 1))) + "]");

    private static string Csv(Random random, IReadOnlyList<string> columns) =>
        string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => FuzzText.Pick(random, columns))) + "\n"
        + string.Join("\n", Enumerable.Range(0, random.Next(0, 3)).Select(_ => FuzzText.Junk(random)));
}
