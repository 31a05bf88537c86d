using System.Globalization;

namespace MadBase.Worker.Rest.Parsing;

/// <summary>
/// The query string grammar of PostgREST (src/PostgREST/ApiRequest/QueryParams.hs): select, filters,
/// not./or/and trees, order, limit/offset (also per embedded resource), on_conflict and columns.
/// Anything malformed is a PGRST100 before any SQL exists.
/// </summary>
internal static class QueryParser
{
    /// <summary>
    /// Parses the query string. For an RPC read (<paramref name="rpcRead"/>), a parameter whose value is not an
    /// operator expression is an argument of the function, as PostgREST's NoOpExpr: <c>?a=1</c> is an argument,
    /// <c>?a=eq.1</c> a filter on the result.
    /// </summary>
    public static QueryAst Parse(IEnumerable<KeyValuePair<string, string>> query, bool rpcRead = false)
    {
        var ast = new QueryAst();
        foreach (var (key, value) in query)
        {
            if (key == "select")
            {
                // PostgREST reads an empty select as no select at all: every column.
                ast.Select = value.Length == 0 ? ast.Select : ParseSelect(value);
                continue;
            }

            if (key == "on_conflict")
            {
                ast.OnConflict = SplitNames(value, "on_conflict");
                continue;
            }

            if (key == "columns")
            {
                ast.Columns = SplitNames(value, "columns");
                continue;
            }

            if (rpcRead && IsArgument(key, value))
            {
                ast.Arguments.Add(new(key, value));
                continue;
            }

            var (path, last) = SplitPath(key);
            var node = ast.Node(path);
            switch (last)
            {
                case "order":
                    node.Order = ParseOrder(value);
                    break;
                case "limit":
                    node.Limit = ParseRangeNumber(value) ?? node.Limit;
                    break;
                case "offset":
                    node.Offset = ParseRangeNumber(value) ?? node.Offset;
                    break;
                case "or" or "and" or "not.or" or "not.and":
                    node.Conditions.Add(ParseLogic(last, value));
                    break;
                default:
                    if (last.Length == 0)
                    {
                        throw RestException.Parse("\"failed to parse filter\"", $"empty filter name in '{key}'");
                    }

                    node.Conditions.Add(ParseFilter(ParseField(last), value));
                    break;
            }
        }

        return ast;
    }

    private static bool IsArgument(string key, string value)
    {
        if (key.Contains('.', StringComparison.Ordinal) || key is "order" or "limit" or "offset" or "or" or "and")
        {
            return false;
        }

        var rest = value.StartsWith("not.", StringComparison.Ordinal) ? value[4..] : value;
        var dot = rest.IndexOf('.');
        if (dot < 0)
        {
            return true;
        }

        var op = rest[..dot];
        var open = op.IndexOf('(');
        return !QueryTextReader.IsOperator(open >= 0 ? op[..open] : op);
    }

    /// <summary>
    /// Splits <c>a.b.col</c> into the embedding path <c>a.b</c> (names unquoted) and the last part, at dots outside
    /// double quotes and before any JSON arrow; <c>a.not.or</c> keeps <c>not.or</c> whole.
    /// </summary>
    private static (string Path, string Last) SplitPath(string key)
    {
        var parts = new List<string>();
        var quoted = false;
        var start = 0;
        var i = 0;
        for (; i < key.Length; i++)
        {
            var c = key[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '-' && i + 1 < key.Length && key[i + 1] == '>')
            {
                break;
            }
            else if (!quoted && c == '.')
            {
                parts.Add(key[start..i]);
                start = i + 1;
            }
        }

        var last = key[start..];
        if (last is "or" or "and" && parts.Count > 0 && parts[^1] == "not")
        {
            parts.RemoveAt(parts.Count - 1);
            last = "not." + last;
        }

        return (string.Join('.', parts.Select(Unquote)), last);
    }

    private static string Unquote(string name) => name.Length > 1 && name[0] == '"' && name[^1] == '"' ? name[1..^1] : name;

    private static List<string> SplitNames(string value, string what)
    {
        var names = value.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Any(n => n.Length == 0))
        {
            throw RestException.Parse($"\"failed to parse {what} parameter ({value})\"");
        }

        return [.. names.Select(Unquote)];
    }

    /// <summary>
    /// A limit or offset as PostgREST reads it (Haskell's readMaybe): an integer, maybe negative, else ignored. A
    /// negative root limit is a 416; anything else negative is Postgres's error on LIMIT/OFFSET.
    /// </summary>
    private static long? ParseRangeNumber(string value) =>
        !value.Contains('+', StringComparison.Ordinal)
        && long.TryParse(value, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : null;

    public static Field ParseField(string text)
    {
        var reader = new QueryTextReader(text, $"failed to parse tree path ({text})");
        var field = reader.ReadField();
        if (!reader.AtEnd)
        {
            throw reader.Error($"unexpected \"{reader.Rest}\"");
        }

        return field;
    }

    public static IReadOnlyList<SelectItem> ParseSelect(string text)
    {
        var reader = new QueryTextReader(text, $"failed to parse select parameter ({text})");
        var items = reader.ReadSelectList();
        if (!reader.AtEnd)
        {
            throw reader.Error($"unexpected \"{reader.Rest}\"");
        }

        return items;
    }

    /// <summary><c>col[->path][.asc|.desc][.nullsfirst|.nullslast]</c> or <c>rel(col[->path])…</c>, comma separated.</summary>
    public static List<OrderTerm> ParseOrder(string text)
    {
        var reader = new QueryTextReader(text, $"failed to parse order ({text})");
        var terms = new List<OrderTerm>();
        do
        {
            reader.SkipSpaces();
            var name = reader.ReadName();
            string? relation = null;
            Field field;
            if (reader.TryRead('('))
            {
                relation = name;
                field = reader.ReadField();
                reader.SkipSpaces();
                if (!reader.TryRead(')'))
                {
                    throw reader.Error("expected \")\"");
                }
            }
            else
            {
                field = new Field(name, reader.ReadJsonPath());
            }

            var descending = false;
            bool? nullsFirst = null;
            if (reader.TryRead(".asc"))
            {
                descending = false;
            }
            else if (reader.TryRead(".desc"))
            {
                descending = true;
            }

            if (reader.TryRead(".nullsfirst"))
            {
                nullsFirst = true;
            }
            else if (reader.TryRead(".nullslast"))
            {
                nullsFirst = false;
            }

            reader.SkipSpaces();
            if (!reader.AtEnd && reader.Peek != ',')
            {
                throw reader.Error($"unexpected \"{reader.Rest}\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"");
            }

            terms.Add(new OrderTerm(field, descending, nullsFirst, relation));
        }
        while (reader.TryRead(','));

        return terms;
    }

    /// <summary><c>[not.]op[(modifier|config)].value</c>: the value is the rest of the text, as PostgREST's pSingleVal.</summary>
    public static FilterCondition ParseFilter(Field field, string text)
    {
        var reader = new QueryTextReader(text, $"failed to parse filter ({text})");
        var (negated, operation) = reader.ReadOperation(inLogic: false);
        return new FilterCondition(field, negated, operation);
    }

    public static LogicCondition ParseLogic(string key, string value)
    {
        var negated = key.StartsWith("not.", StringComparison.Ordinal);
        var isAnd = key.EndsWith("and", StringComparison.Ordinal);
        var reader = new QueryTextReader(value, $"failed to parse logic tree ({value})");
        return reader.ReadLogicList(isAnd, negated, 0);
    }
}
