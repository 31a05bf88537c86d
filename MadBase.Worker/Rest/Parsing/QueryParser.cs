using System.Globalization;
using System.Text;

namespace MadBase.Worker.Rest.Parsing;

/// <summary>
/// The query string grammar of PostgREST (src/PostgREST/ApiRequest/QueryParams.hs): select, filters,
/// not./or/and trees, order, limit/offset (also per embedded resource), on_conflict and columns.
/// Anything malformed is a PGRST100 before any SQL exists.
/// </summary>
internal static class QueryParser
{
    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "is", "isdistinct", "in",
        "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj", "fts", "plfts", "phfts", "wfts",
    };

    private static readonly HashSet<string> QuantifiableOperators = new(StringComparer.Ordinal)
    {
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch",
    };

    private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal) { "count", "sum", "avg", "min", "max" };

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
                ast.Select = ParseSelect(value);
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
                    node.Limit = ParseNonNegative(value, "limit");
                    break;
                case "offset":
                    node.Offset = ParseNonNegative(value, "offset");
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
        return !Operators.Contains(open >= 0 ? op[..open] : op);
    }

    /// <summary>Splits <c>a.b.col</c> into the embedding path <c>a.b</c> and the last part; <c>not.or</c> stays whole.</summary>
    private static (string Path, string Last) SplitPath(string key)
    {
        foreach (var logic in new[] { "not.or", "not.and" })
        {
            if (key == logic)
            {
                return (string.Empty, key);
            }

            if (key.EndsWith("." + logic, StringComparison.Ordinal))
            {
                return (key[..^(logic.Length + 1)], logic);
            }
        }

        // JSON paths (col->a.b is not a path separator inside keys after the arrow) keep their dots.
        var arrow = key.IndexOf("->", StringComparison.Ordinal);
        var searchEnd = arrow >= 0 ? arrow : key.Length;
        var dot = key.LastIndexOf('.', searchEnd - 1 < 0 ? 0 : searchEnd - 1);
        return dot < 0 ? (string.Empty, key) : (key[..dot], key[(dot + 1)..]);
    }

    private static List<string> SplitNames(string value, string what)
    {
        var names = value.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Any(n => n.Length == 0))
        {
            throw RestException.Parse($"\"failed to parse {what} parameter ({value})\"");
        }

        return [.. names.Select(n => n.Length > 1 && n[0] == '"' && n[^1] == '"' ? n[1..^1] : n)];
    }

    private static long ParseNonNegative(string value, string what) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw RestException.Parse($"\"failed to parse {what} parameter ({value})\"");

    public static Field ParseField(string text)
    {
        var reader = new TextReader(text);
        var field = reader.ReadField();
        if (!reader.AtEnd)
        {
            throw RestException.Parse($"\"failed to parse field ({text})\"", $"unexpected \"{reader.Rest}\"");
        }

        return field;
    }

    public static IReadOnlyList<SelectItem> ParseSelect(string text)
    {
        var reader = new TextReader(text);
        var items = reader.ReadSelectList();
        if (!reader.AtEnd)
        {
            throw RestException.Parse($"\"failed to parse select parameter ({text})\"", $"unexpected \"{reader.Rest}\"");
        }

        return items;
    }

    public static List<OrderTerm> ParseOrder(string text)
    {
        var terms = new List<OrderTerm>();
        foreach (var part in SplitTopLevel(text))
        {
            var reader = new TextReader(part);
            var field = reader.ReadField();
            var descending = false;
            bool? nullsFirst = null;
            while (reader.TryRead('.'))
            {
                var word = reader.ReadWord();
                switch (word)
                {
                    case "asc": descending = false; break;
                    case "desc": descending = true; break;
                    case "nullsfirst": nullsFirst = true; break;
                    case "nullslast": nullsFirst = false; break;
                    default: throw RestException.Parse($"\"failed to parse order ({text})\"", $"unexpected \"{word}\"");
                }
            }

            if (!reader.AtEnd)
            {
                throw RestException.Parse($"\"failed to parse order ({text})\"", $"unexpected \"{reader.Rest}\"");
            }

            terms.Add(new OrderTerm(field, descending, nullsFirst));
        }

        return terms;
    }

    /// <summary><c>[not.]op[(modifier|config)].value</c>.</summary>
    public static FilterCondition ParseFilter(Field field, string text)
    {
        var negated = false;
        var rest = text;
        if (rest.StartsWith("not.", StringComparison.Ordinal))
        {
            negated = true;
            rest = rest[4..];
        }

        var dot = rest.IndexOf('.');
        if (dot < 0)
        {
            throw RestException.Parse($"\"failed to parse filter ({text})\"", "expected an operator followed by '.'");
        }

        var op = rest[..dot];
        var value = rest[(dot + 1)..];
        string? modifier = null;
        string? config = null;
        var open = op.IndexOf('(');
        if (open >= 0)
        {
            if (!op.EndsWith(')'))
            {
                throw RestException.Parse($"\"failed to parse filter ({text})\"");
            }

            var inner = op[(open + 1)..^1];
            op = op[..open];
            if (op is "fts" or "plfts" or "phfts" or "wfts")
            {
                config = inner;
            }
            else if (inner is "any" or "all" && QuantifiableOperators.Contains(op))
            {
                modifier = inner;
            }
            else
            {
                throw RestException.Parse($"\"failed to parse filter ({text})\"", $"unexpected modifier \"{inner}\"");
            }
        }

        if (!Operators.Contains(op))
        {
            throw RestException.Parse($"\"failed to parse filter ({text})\"", $"unknown operator \"{op}\"");
        }

        IReadOnlyList<string>? list = null;
        // A quantified operator's value stays one array literal for Postgres to parse, as in PostgREST.
        if (op == "in")
        {
            list = ParseList(value, text);
        }
        else if (op == "is" && value.ToLowerInvariant() is not ("null" or "not_null" or "true" or "false" or "unknown"))
        {
            throw RestException.Parse($"\"failed to parse filter ({text})\"", "is accepts null, not_null, true, false or unknown");
        }

        return new FilterCondition(field, negated, new Operation(op, modifier, config, value, list));
    }

    /// <summary>
    /// <c>(a,b,"c,d")</c> as PostgREST's pListVal reads it: an element is a double-quoted string (backslash
    /// escapes) directly followed by <c>,</c> or <c>)</c>, or else any text up to the next <c>,</c> or
    /// <c>)</c>, so that <c>a"b</c> and <c>x(y</c> are plain values. <c>{a,b}</c> is read the same way.
    /// </summary>
    private static List<string> ParseList(string value, string whole)
    {
        var trimmed = value.Trim(' ', '\t', '\n', '\r');
        var close = trimmed.Length > 0 && trimmed[0] == '{' ? '}' : ')';
        if (trimmed.Length < 2 || trimmed[0] is not ('(' or '{') || trimmed[^1] != close)
        {
            throw RestException.Parse($"\"failed to parse filter ({whole})\"", "expected a list in parentheses");
        }

        var items = new List<string>();
        var at = 1;
        while (at < trimmed.Length && trimmed[at] is ' ' or '\t' or '\n' or '\r')
        {
            at++;
        }

        while (true)
        {
            var (item, next) = ReadListElement(trimmed, at, close);
            items.Add(item);
            if (next >= trimmed.Length)
            {
                throw RestException.Parse($"\"failed to parse filter ({whole})\"", "expected ',' or ')'");
            }

            if (trimmed[next] == close)
            {
                if (next != trimmed.Length - 1)
                {
                    throw RestException.Parse($"\"failed to parse filter ({whole})\"", $"unexpected \"{trimmed[(next + 1)..]}\"");
                }

                break;
            }

            at = next + 1;
        }

        // "()" is one empty element, which PostgREST turns into = ANY('{}'): no row matches.
        return items is [""] ? [] : items;
    }

    private static (string Item, int Next) ReadListElement(string text, int at, char close)
    {
        if (at < text.Length && text[at] == '"')
        {
            var builder = new StringBuilder();
            var i = at + 1;
            for (; i < text.Length && text[i] != '"'; i++)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                }

                builder.Append(text[i]);
            }

            if (i + 1 < text.Length && (text[i + 1] == ',' || text[i + 1] == close))
            {
                return (builder.ToString(), i + 1);
            }
        }

        var end = at;
        while (end < text.Length && text[end] != ',' && text[end] != close)
        {
            end++;
        }

        return (text[at..end], end);
    }

    public static LogicCondition ParseLogic(string key, string value)
    {
        var negated = key.StartsWith("not.", StringComparison.Ordinal);
        var isAnd = key.EndsWith("and", StringComparison.Ordinal);
        if (value.Length < 2 || value[0] != '(' || value[^1] != ')')
        {
            throw RestException.Parse($"\"failed to parse logic tree ({value})\"", "expected a parenthesised list");
        }

        return new LogicCondition(isAnd, negated, ParseLogicItems(value[1..^1], value, 0));
    }

    private static List<Condition> ParseLogicItems(string inner, string whole, int depth)
    {
        if (depth > 32)
        {
            throw RestException.Parse($"\"failed to parse logic tree ({whole})\"", "nested too deeply");
        }

        var items = new List<Condition>();
        foreach (var part in SplitTopLevel(inner))
        {
            var text = part;
            var negated = false;
            if (text.StartsWith("not.", StringComparison.Ordinal))
            {
                negated = true;
                text = text[4..];
            }

            if ((text.StartsWith("and(", StringComparison.Ordinal) || text.StartsWith("or(", StringComparison.Ordinal)) && text.EndsWith(')'))
            {
                var isAnd = text[0] == 'a';
                var open = text.IndexOf('(');
                items.Add(new LogicCondition(isAnd, negated, ParseLogicItems(text[(open + 1)..^1], whole, depth + 1)));
                continue;
            }

            var reader = new TextReader(text);
            var field = reader.ReadField();
            if (!reader.TryRead('.'))
            {
                throw RestException.Parse($"\"failed to parse logic tree ({whole})\"", $"unexpected \"{text}\"");
            }

            var filter = ParseFilter(field, reader.Rest);
            var value = filter.Operation.List is null ? Unquote(filter.Operation.Value) : filter.Operation.Value;
            items.Add(filter with { Negated = filter.Negated ^ negated, Operation = filter.Operation with { Value = value } });
        }

        if (items.Count == 0)
        {
            throw RestException.Parse($"\"failed to parse logic tree ({whole})\"", "empty list");
        }

        return items;
    }

    /// <summary>
    /// Splits at commas outside parentheses, braces and double quotes. As PostgREST's pLogicSingleVal, a brace
    /// list is opaque up to its closing brace (<c>{a*,(*}</c>), and a double quote opens a quoted value only
    /// at the start of one (<c>x"y</c> is plain text).
    /// </summary>
    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var braces = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }

                continue;
            }

            if (braces > 0)
            {
                braces += c == '{' ? 1 : c == '}' ? -1 : 0;
                continue;
            }

            switch (c)
            {
                case '"' when i == 0 || text[i - 1] is '.' or ',' or '(' or ':':
                    quoted = true;
                    break;
                case '{': braces++; break;
                case '(': depth++; break;
                case ')':
                    if (--depth < 0)
                    {
                        throw RestException.Parse($"\"failed to parse ({text})\"", "unbalanced parentheses");
                    }

                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }

        if (depth != 0 || braces != 0 || quoted)
        {
            throw RestException.Parse($"\"failed to parse ({text})\"", "unbalanced parentheses or quotes");
        }

        parts.Add(text[start..]);
        return parts;
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1)
            {
                i++;
            }

            builder.Append(value[i]);
        }

        return builder.ToString();
    }

    /// <summary>A cursor over select/order/field text.</summary>
    private sealed class TextReader(string text)
    {
        private int at;

        public bool AtEnd => at >= text.Length;

        public string Rest => text[at..];

        public bool TryRead(char c)
        {
            if (at < text.Length && text[at] == c)
            {
                at++;
                return true;
            }

            return false;
        }

        public bool TryRead(string s)
        {
            if (string.CompareOrdinal(text, at, s, 0, s.Length) == 0)
            {
                at += s.Length;
                return true;
            }

            return false;
        }

        private void SkipSpaces()
        {
            while (at < text.Length && text[at] is ' ' or '\n' or '\t' or '\r')
            {
                at++;
            }
        }

        /// <summary>A name: double-quoted, or a run of characters that are not grammar.</summary>
        public string ReadName()
        {
            SkipSpaces();
            if (TryRead('"'))
            {
                var builder = new StringBuilder();
                while (at < text.Length && text[at] != '"')
                {
                    if (text[at] == '\\' && at + 1 < text.Length)
                    {
                        at++;
                    }

                    builder.Append(text[at++]);
                }

                if (!TryRead('"'))
                {
                    throw RestException.Parse($"\"failed to parse ({text})\"", "unterminated quoted name");
                }

                return builder.ToString();
            }

            var start = at;
            while (at < text.Length && !IsGrammar(text, at))
            {
                at++;
            }

            var name = text[start..at].TrimEnd();
            if (name.Length == 0)
            {
                throw RestException.Parse($"\"failed to parse ({text})\"", at < text.Length ? $"unexpected \"{text[at]}\" at {at}" : "unexpected end of input");
            }

            return name;
        }

        private static bool IsGrammar(string s, int i) => s[i] switch
        {
            ',' or '(' or ')' or ':' or '.' or '!' or '"' => true,
            '-' => i + 1 < s.Length && s[i + 1] == '>',
            _ => false,
        };

        public string ReadWord()
        {
            var start = at;
            while (at < text.Length && (char.IsLetterOrDigit(text[at]) || text[at] == '_'))
            {
                at++;
            }

            if (at == start)
            {
                throw RestException.Parse($"\"failed to parse ({text})\"", "expected a word");
            }

            return text[start..at];
        }

        /// <summary>A JSON path after a column: <c>-&gt;key</c> keeps JSON, <c>-&gt;&gt;key</c> takes text.</summary>
        private List<JsonStep> ReadJsonPath()
        {
            var path = new List<JsonStep>();
            while (true)
            {
                bool asText;
                if (TryRead("->>"))
                {
                    asText = true;
                }
                else if (TryRead("->"))
                {
                    asText = false;
                }
                else
                {
                    return path;
                }

                path.Add(new JsonStep(ReadName(), asText));
            }
        }

        public Field ReadField()
        {
            var name = ReadName();
            var path = ReadJsonPath();

            return new Field(name, path);
        }

        public List<SelectItem> ReadSelectList()
        {
            var items = new List<SelectItem> { ReadSelectItem() };
            while (TryRead(','))
            {
                items.Add(ReadSelectItem());
            }

            return items;
        }

        private string ReadCast()
        {
            var start = at;
            while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '_' or '[' or ']'))
            {
                at++;
            }

            var cast = text[start..at].Trim();
            if (cast.Length == 0)
            {
                throw RestException.Parse($"\"failed to parse select parameter ({text})\"", "expected a type after '::'");
            }

            return cast;
        }

        private SelectItem ReadSelectItem()
        {
            SkipSpaces();
            if (TryRead("..."))
            {
                var spread = ReadSelectItem();
                if (spread is not EmbedItem embed || embed.Alias is not null)
                {
                    throw RestException.Parse($"\"failed to parse select parameter ({text})\"", "'...' must be followed by an embedded resource");
                }

                return embed with { Spread = true };
            }

            var first = ReadName();
            string? alias = null;
            if (at < text.Length && text[at] == ':' && !(at + 1 < text.Length && text[at + 1] == ':'))
            {
                at++;
                alias = first;
                SkipSpaces();
                if (TryRead("..."))
                {
                    throw RestException.Parse($"\"failed to parse select parameter ({text})\"", "a spread cannot have an alias");
                }

                first = ReadName();
            }

            if (first == "count" && TryRead("()"))
            {
                string? countCast = TryRead("::") ? ReadCast() : null;
                return new FieldItem(Field.Of("*"), alias, null, "count", countCast);
            }

            if (at < text.Length && text[at] is '!' or '(')
            {
                string? hint = null;
                var join = EmbedJoin.Default;
                while (TryRead('!'))
                {
                    var word = ReadName();
                    switch (word)
                    {
                        case "inner": join = EmbedJoin.Inner; break;
                        case "left": join = EmbedJoin.Left; break;
                        default:
                            if (hint is not null)
                            {
                                throw RestException.Parse($"\"failed to parse select parameter ({text})\"", "more than one hint");
                            }

                            hint = word;
                            break;
                    }
                }

                if (!TryRead('('))
                {
                    throw RestException.Parse($"\"failed to parse select parameter ({text})\"", "expected '(' after an embedded resource");
                }

                SkipSpaces();
                var items = at < text.Length && text[at] == ')' ? [] : ReadSelectList();
                if (!TryRead(')'))
                {
                    throw RestException.Parse($"\"failed to parse select parameter ({text})\"", "expected ')'");
                }

                return new EmbedItem(first, alias, hint, join, false, items);
            }

            var path = ReadJsonPath();

            var field = new Field(first, path);
            string? aggregate = null;
            string? cast = null;
            string? aggregateCast = null;
            if (TryRead("::"))
            {
                cast = ReadCast();
            }

            if (at < text.Length && text[at] == '.')
            {
                at++;
                aggregate = ReadWord();
                if (!Aggregates.Contains(aggregate) || !TryRead("()"))
                {
                    throw RestException.Parse($"\"failed to parse select parameter ({text})\"", $"unknown aggregate \"{aggregate}\"");
                }

                if (TryRead("::"))
                {
                    aggregateCast = ReadCast();
                }
            }

            SkipSpaces();
            return new FieldItem(field, alias, cast, aggregate, aggregateCast);
        }
    }
}
