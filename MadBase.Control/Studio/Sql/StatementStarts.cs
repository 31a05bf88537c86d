namespace MadBase.Control.Studio.Sql;

/// <summary>
/// Where each statement of a SQL text starts. Npgsql sends the statements of a command separately and Postgres
/// reports an error's position within the failed one; the editor needs it within the whole text. Npgsql does
/// not expose its own split, so this finds the same top-level semicolons: outside quotes ('', E'', "", $tag$)
/// and comments (--, nested /* */), with each start moved past the whitespace Npgsql leaves off.
/// </summary>
internal static class StatementStarts
{
    public static int PositionInText(string sql, int statement, int position)
    {
        var starts = Find(sql);
        return statement < starts.Count ? starts[statement] + position : position;
    }

    public static List<int> Find(string sql)
    {
        var starts = new List<int> { SkipSpace(sql, 0) };
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == ';')
            {
                starts.Add(SkipSpace(sql, i + 1));
                i++;
            }
            else if (c == '\'')
            {
                var escapes = i > 0 && sql[i - 1] is 'E' or 'e' && (i == 1 || !char.IsAsciiLetterOrDigit(sql[i - 2]));
                i = Quoted(sql, i, '\'', escapes);
            }
            else if (c == '"')
            {
                i = Quoted(sql, i, '"', false);
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                i = BlockComment(sql, i);
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + tag.Length;
            }
            else
            {
                i++;
            }
        }

        return starts;
    }

    private static char At(string sql, int i) => i < sql.Length ? sql[i] : '\0';

    private static int SkipSpace(string sql, int i)
    {
        while (i < sql.Length && char.IsWhiteSpace(sql[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>Past the closing quote; a doubled quote stays inside, as does a backslash-escaped one in E''.</summary>
    private static int Quoted(string sql, int open, char quote, bool backslashEscapes)
    {
        for (var i = open + 1; i < sql.Length; i++)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i++;
            }
            else if (sql[i] == quote)
            {
                if (At(sql, i + 1) != quote)
                {
                    return i + 1;
                }

                i++;
            }
        }

        return sql.Length;
    }

    private static int BlockComment(string sql, int open)
    {
        var depth = 0;
        for (var i = open; i < sql.Length - 1; i++)
        {
            if (sql[i] == '/' && sql[i + 1] == '*')
            {
                depth++;
                i++;
            }
            else if (sql[i] == '*' && sql[i + 1] == '/')
            {
                depth--;
                i++;
                if (depth == 0)
                {
                    return i + 1;
                }
            }
        }

        return sql.Length;
    }

    /// <summary>The opening <c>$tag$</c> at <paramref name="i"/>, or null (a <c>$1</c> parameter, or a <c>$</c> inside a name).</summary>
    private static string? DollarTag(string sql, int i)
    {
        if (i > 0 && (char.IsAsciiLetterOrDigit(sql[i - 1]) || sql[i - 1] == '_'))
        {
            return null;
        }

        var end = i + 1;
        while (end < sql.Length && (char.IsAsciiLetter(sql[end]) || sql[end] == '_' || (end > i + 1 && char.IsAsciiDigit(sql[end]))))
        {
            end++;
        }

        return At(sql, end) == '$' ? sql[i..(end + 1)] : null;
    }
}
