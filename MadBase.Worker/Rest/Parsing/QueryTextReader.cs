using System.Text;

namespace MadBase.Worker.Rest.Parsing;

/// <summary>
/// A cursor over one query parameter's text with the productions of PostgREST's QueryParams.hs: names, JSON
/// paths, select items, operator expressions, <c>in</c> lists and logic trees. Errors are PGRST100 naming the
/// parameter being parsed.
/// </summary>
internal sealed class QueryTextReader(string text, string what)
{
    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal)
    {
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "is", "isdistinct", "in",
        "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj", "fts", "plfts", "phfts", "wfts",
    };

    public static bool IsOperator(string name) => Operators.Contains(name);

    private static readonly HashSet<string> QuantifiableOperators = new(StringComparer.Ordinal)
    {
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch",
    };

    private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal) { "count", "sum", "avg", "min", "max" };

    private const int MaxLogicDepth = 32;

    private int at;

    public bool AtEnd => at >= text.Length;

    public string Rest => text[at..];

    public char Peek => text[at];

    public RestException Error(string details) => RestException.Parse($"\"{what}\"", details);

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
        if (string.CompareOrdinal(text, at, s, 0, s.Length) == 0 && at + s.Length <= text.Length)
        {
            at += s.Length;
            return true;
        }

        return false;
    }

    public void SkipSpaces()
    {
        while (at < text.Length && text[at] is ' ' or '\n' or '\t' or '\r')
        {
            at++;
        }
    }

    private bool NextIs(params char[] chars) => at < text.Length && chars.Contains(text[at]);

    /// <summary>PostgREST's pQuotedValue: <c>"…"</c> where a backslash takes the next character literally.</summary>
    private bool TryReadQuoted(out string value)
    {
        value = string.Empty;
        var start = at;
        if (!TryRead('"'))
        {
            return false;
        }

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
            at = start;
            return false;
        }

        value = builder.ToString();
        return true;
    }

    /// <summary>A name: double-quoted, or a run of characters that are not grammar (trimmed).</summary>
    public string ReadName()
    {
        SkipSpaces();
        if (at < text.Length && text[at] == '"')
        {
            return TryReadQuoted(out var quoted) ? quoted : throw Error("unterminated quoted name");
        }

        var start = at;
        while (at < text.Length && !IsNameEnd(at))
        {
            at++;
        }

        var name = text[start..at].TrimEnd();
        if (name.Length == 0)
        {
            throw Error(at < text.Length ? $"unexpected \"{text[at]}\" expecting field name (* or [a..z0..9_$])" : "unexpected end of input expecting field name (* or [a..z0..9_$])");
        }

        return name;
    }

    private bool IsNameEnd(int i) => text[i] switch
    {
        ',' or '(' or ')' or ':' or '.' or '!' or '"' => true,
        '-' => i + 1 < text.Length && text[i + 1] == '>',
        _ => false,
    };

    /// <summary>A JSON key (PostgREST's pJsonKeyName): quoted, or characters other than <c>(-:.,&gt;)</c>, dashes allowed.</summary>
    private string ReadJsonKey(out bool isIndex)
    {
        isIndex = false;
        if (at < text.Length && text[at] == '"')
        {
            return TryReadQuoted(out var quoted) ? quoted : throw Error("unterminated quoted JSON key");
        }

        var start = at;
        while (at < text.Length && text[at] is not ('(' or ')' or ':' or '.' or ',' or '>') && !(text[at] == '-' && at + 1 < text.Length && text[at + 1] == '>'))
        {
            at++;
        }

        var raw = text[start..at];
        var key = raw.Trim();
        if (key.Length == 0)
        {
            throw Error(at < text.Length ? $"unexpected \"{text[at]}\" expecting a JSON key" : "unexpected end of input expecting a JSON key");
        }

        // An integer is an index only where PostgREST's pJIdx accepts one: followed by ->, ::, '.', ',' or the end.
        var digits = raw.StartsWith('-') ? raw[1..] : raw;
        isIndex = digits.Length > 0 && digits.All(char.IsAsciiDigit)
            && (AtEnd || text[at] is '.' or ',' || string.CompareOrdinal(text, at, "->", 0, 2) == 0 || string.CompareOrdinal(text, at, "::", 0, 2) == 0);
        return key;
    }

    /// <summary>A JSON path after a column: <c>-&gt;key</c> keeps JSON, <c>-&gt;&gt;key</c> takes text.</summary>
    public List<JsonStep> ReadJsonPath()
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

            var key = ReadJsonKey(out var isIndex);
            path.Add(new JsonStep(key, asText, isIndex));
        }
    }

    public Field ReadField()
    {
        var name = ReadName();
        var path = ReadJsonPath();
        SkipSpaces();
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

    /// <summary>A type name as PostgREST's pIdentifier reads it: letters, digits, '_' and spaces (<c>double precision</c>).</summary>
    private string ReadCast()
    {
        var start = at;
        while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '_' or ' ' or '[' or ']'))
        {
            at++;
        }

        var cast = text[start..at].Trim();
        return cast.Length > 0 ? cast : throw Error("expected a type after '::'");
    }

    private SelectItem ReadSelectItem()
    {
        SkipSpaces();
        if (TryRead("..."))
        {
            var spread = ReadSelectItem();
            if (spread is not EmbedItem embed || embed.Alias is not null)
            {
                throw Error("'...' must be followed by an embedded resource");
            }

            return embed with { Spread = true };
        }

        var (alias, first, quotedFirst) = ReadAliasedName();
        if (first == "*" && !quotedFirst)
        {
            SkipSpaces();
            if (alias is not null || !(AtEnd || NextIs(',', ')')))
            {
                throw Error(AtEnd ? "unexpected \"*\"" : $"unexpected \"{text[at]}\" expecting \")\", \",\" or end of input");
            }

            return new FieldItem(Field.Of("*"), null, null, null, null);
        }

        if (first == "count" && TryRead("()"))
        {
            string? countCast = TryRead("::") ? ReadCast() : null;
            SkipSpaces();
            return new FieldItem(Field.Of("*"), alias, null, "count", countCast);
        }

        if (at < text.Length && text[at] is '!' or '(')
        {
            return ReadEmbed(first, alias);
        }

        return ReadField(first, alias);
    }

    /// <summary><c>[alias:]name</c>; whether the name was quoted (a quoted <c>"*"</c> is a column, not all of them).</summary>
    private (string? Alias, string Name, bool Quoted) ReadAliasedName()
    {
        var quoted = at < text.Length && text[at] == '"';
        var name = ReadName();
        if (!(at < text.Length && text[at] == ':' && !(at + 1 < text.Length && text[at + 1] == ':')))
        {
            return (null, name, quoted);
        }

        at++;
        SkipSpaces();
        if (TryRead("..."))
        {
            throw Error("a spread cannot have an alias");
        }

        quoted = at < text.Length && text[at] == '"';
        return (name, ReadName(), quoted);
    }

    /// <summary><c>column[->json path][::cast][.aggregate()[::cast]]</c>.</summary>
    private FieldItem ReadField(string name, string? alias)
    {
        var field = new Field(name, ReadJsonPath());
        string? aggregate = null;
        string? aggregateCast = null;
        string? cast = TryRead("::") ? ReadCast() : null;
        if (TryRead('.'))
        {
            var start = at;
            while (at < text.Length && char.IsAsciiLetter(text[at]))
            {
                at++;
            }

            aggregate = text[start..at];
            if (!Aggregates.Contains(aggregate) || !TryRead("()"))
            {
                throw Error($"unknown aggregate \"{aggregate}\"");
            }

            if (TryRead("::"))
            {
                aggregateCast = ReadCast();
            }
        }

        SkipSpaces();
        return new FieldItem(field, alias, cast, aggregate, aggregateCast);
    }

    private EmbedItem ReadEmbed(string name, string? alias)
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
                        throw Error("more than one hint");
                    }

                    hint = word;
                    break;
            }
        }

        if (!TryRead('('))
        {
            throw Error("expected '(' after an embedded resource");
        }

        SkipSpaces();
        var items = at < text.Length && text[at] == ')' ? [] : ReadSelectList();
        if (!TryRead(')'))
        {
            throw Error("expected ')'");
        }

        SkipSpaces();
        return new EmbedItem(name, alias, hint, join, false, items);
    }

    /// <summary>
    /// <c>[not.]op[(any|all|config)].value</c> (PostgREST's pOpExpr). The value of <c>in</c> is a list, of <c>is</c> a
    /// keyword; any other value is the rest of the text, or inside a logic tree a quoted value, a <c>{…}</c> array
    /// literal or the characters up to the next ',' or ')'.
    /// </summary>
    public (bool Negated, Operation Operation) ReadOperation(bool inLogic)
    {
        var negated = TryRead("not.");
        var start = at;
        while (at < text.Length && char.IsAsciiLetter(text[at]))
        {
            at++;
        }

        var op = text[start..at];
        if (!Operators.Contains(op))
        {
            throw Error(op.Length == 0 ? "expecting \"not\" or operator (eq, gt, ...)" : $"unknown operator \"{op}\"");
        }

        var (modifier, config) = TryRead('(') ? ReadModifier(op) : (null, null);
        if (!TryRead('.'))
        {
            throw Error("expecting delimiter (.)");
        }

        var valueStart = at;
        switch (op)
        {
            case "in":
                var list = ReadList();
                return (negated, new Operation(op, null, null, text[valueStart..at], list));
            case "is":
                return (negated, new Operation(op, null, null, ReadIsValue(inLogic), null));
            default:
                var value = inLogic ? ReadLogicValue() : text[at..];
                at = inLogic ? at : text.Length;
                return (negated, new Operation(op, modifier, config, value, null));
        }
    }

    /// <summary>After <c>op(</c>: <c>any</c>/<c>all</c> for the operators that take them, or a full-text search's config.</summary>
    private (string? Modifier, string? Config) ReadModifier(string op)
    {
        var innerStart = at;
        while (at < text.Length && text[at] != ')')
        {
            at++;
        }

        if (!TryRead(')'))
        {
            throw Error("expected \")\"");
        }

        var inner = text[innerStart..(at - 1)];
        if (op is "fts" or "plfts" or "phfts" or "wfts" && inner.Trim().Length > 0
            && inner.All(c => char.IsLetterOrDigit(c) || c is '_' or ' ' or '$'))
        {
            return (null, inner.Trim());
        }

        if (inner is "any" or "all" && QuantifiableOperators.Contains(op))
        {
            return (inner, null);
        }

        throw Error($"unexpected modifier \"{inner}\"");
    }

    /// <summary>The value of <c>is</c>: one of PostgREST's keywords, the whole value outside a logic tree.</summary>
    private string ReadIsValue(bool inLogic)
    {
        var wordStart = at;
        while (at < text.Length && (char.IsAsciiLetter(text[at]) || text[at] == '_'))
        {
            at++;
        }

        var word = text[wordStart..at];
        if (word.ToLowerInvariant() is not ("null" or "not_null" or "true" or "false" or "unknown") || (!inLogic && !AtEnd))
        {
            throw Error("isVal: (null, not_null, true, false, unknown)");
        }

        return word;
    }

    /// <summary>PostgREST's pListVal: <c>(a,"b,c",d)</c>; an element is a quoted value or the characters up to ',' or ')'.</summary>
    private List<string> ReadList()
    {
        SkipBlanks();
        if (!TryRead('('))
        {
            throw Error("expected a list in parentheses");
        }

        SkipBlanks();
        var items = new List<string>();
        do
        {
            items.Add(ReadValueUntilDelimiter(allowArray: false));
        }
        while (TryRead(','));

        SkipBlanks();
        if (!TryRead(')'))
        {
            throw Error("expected \")\" closing the list");
        }

        SkipBlanks();
        return items;
    }

    private string ReadLogicValue() => ReadValueUntilDelimiter(allowArray: true);

    private string ReadValueUntilDelimiter(bool allowArray)
    {
        var start = at;
        if (TryReadQuoted(out var quoted) && (AtEnd || NextIs(',', ')')))
        {
            return quoted;
        }

        at = start;
        if (allowArray && TryRead('{'))
        {
            while (at < text.Length && text[at] is not ('{' or '}'))
            {
                at++;
            }

            if (TryRead('}'))
            {
                return text[start..at];
            }

            at = start;
        }

        while (at < text.Length && text[at] is not (',' or ')'))
        {
            at++;
        }

        return text[start..at];
    }

    /// <summary>Spaces and tabs, which PostgREST's lexeme skips around list parentheses.</summary>
    private void SkipBlanks()
    {
        while (at < text.Length && text[at] is ' ' or '\t')
        {
            at++;
        }
    }

    /// <summary><c>(item,item,…)</c> of a logic tree; what follows the closing parenthesis is ignored, as in PostgREST.</summary>
    public LogicCondition ReadLogicList(bool isAnd, bool negated, int depth)
    {
        if (depth > MaxLogicDepth)
        {
            throw Error("nested too deeply");
        }

        SkipBlanks();
        if (!TryRead('('))
        {
            throw Error("expecting \"(\"");
        }

        var children = new List<Condition>();
        do
        {
            SkipBlanks();
            children.Add(ReadLogicItem(depth));
            SkipBlanks();
        }
        while (TryRead(','));

        if (!TryRead(')'))
        {
            throw Error(AtEnd ? "unexpected end of input expecting \",\" or \")\"" : $"unexpected \"{text[at]}\" expecting \",\" or \")\"");
        }

        SkipBlanks();
        return new LogicCondition(isAnd, negated, children);
    }

    /// <summary>A filter <c>field.[not.]op.value</c>, else a nested <c>[not.]and(…)</c> / <c>[not.]or(…)</c>.</summary>
    private Condition ReadLogicItem(int depth)
    {
        var start = at;
        try
        {
            var field = ReadField();
            if (TryRead('.'))
            {
                var (negated, operation) = ReadOperation(inLogic: true);
                return new FilterCondition(field, negated, operation);
            }
        }
        catch (RestException)
        {
            // Not a filter: PostgREST's parser backtracks and reads a nested logic tree.
        }

        at = start;
        var not = TryRead("not.");
        if (TryRead("and"))
        {
            return ReadLogicList(true, not, depth + 1);
        }

        if (TryRead("or"))
        {
            return ReadLogicList(false, not, depth + 1);
        }

        throw Error(AtEnd ? "unexpected end of input expecting field name, negation operator (not) or logic operator (and, or)" : $"unexpected \"{text[at]}\" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)");
    }
}
