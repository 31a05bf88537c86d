using System.Globalization;
using System.Text;

namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>One output column of a view and the table column it passes through unchanged (0/0 when computed).</summary>
internal readonly record struct ViewColumnOrigin(int Column, uint OriginTable, int OriginColumn);

/// <summary>
/// Reads the target list of a view's rewrite rule (<c>pg_rewrite.ev_action</c>, the pg_node_tree text form)
/// for <c>resorigtbl</c>/<c>resorigcol</c>: Postgres records there which table column a view column is a
/// plain reference to. That is the only place the catalog keeps this, so PostgREST reads it too (its
/// allViewsKeyDependencies query does it in SQL with regular expressions; a small reader is clearer here).
/// </summary>
internal static class ViewTargetList
{
    private const int MaxDepth = 2000;

    /// <summary>The origins of the first query's target list; empty when the text is not understood.</summary>
    public static IReadOnlyList<ViewColumnOrigin> Read(string nodeTree)
    {
        try
        {
            var reader = new NodeReader(nodeTree);
            if (reader.ReadValue(0) is not List<object?> queries || queries.FirstOrDefault() is not Node query
                || query.Fields.GetValueOrDefault("targetList") is not List<object?> targets)
            {
                return [];
            }

            var origins = new List<ViewColumnOrigin>();
            foreach (var target in targets.OfType<Node>().Where(n => n.Name == "TARGETENTRY"))
            {
                if (Atom(target, "resjunk") == "true"
                    || !int.TryParse(Atom(target, "resno"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var column)
                    || !uint.TryParse(Atom(target, "resorigtbl"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var table)
                    || !int.TryParse(Atom(target, "resorigcol"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var origin))
                {
                    continue;
                }

                origins.Add(new ViewColumnOrigin(column, table, origin));
            }

            return origins;
        }
        catch (FormatException)
        {
            // A node tree this reader does not follow costs only the view's relationships, never the schema cache.
            return [];
        }
    }

    private static string? Atom(Node node, string field) => node.Fields.GetValueOrDefault(field) as string;

    /// <summary><c>{NAME :field value …}</c>; values are nodes, lists or atoms (strings).</summary>
    private sealed record Node(string Name, Dictionary<string, object?> Fields);

    /// <summary>The tokenizer of Postgres's read.c (pg_strtok): <c>(){}</c> alone, anything else up to white space, backslash escapes.</summary>
    private sealed class NodeReader(string text)
    {
        private int position;

        public object? ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new FormatException("node tree too deep");
            }

            var token = Next() ?? throw new FormatException("unexpected end of node tree");
            return token switch
            {
                "{" => ReadNode(depth + 1),
                "(" => ReadList(depth + 1),
                "<>" => null,
                _ => token,
            };
        }

        private Node ReadNode(int depth)
        {
            var node = new Node(Next() ?? throw new FormatException("node without a name"), new Dictionary<string, object?>(StringComparer.Ordinal));
            while (true)
            {
                var token = Peek() ?? throw new FormatException("unterminated node");
                if (token == "}")
                {
                    Next();
                    return node;
                }

                if (token.StartsWith(':'))
                {
                    // Every field is written with a value, so the token after a name is its value even when it starts with ':'.
                    Next();
                    node.Fields[token[1..]] = ReadValue(depth);
                }
                else
                {
                    // The rest of a multi-token value (a Datum's "4 [ 1 0 0 0 ]"): not needed.
                    ReadValue(depth);
                }
            }
        }

        private List<object?> ReadList(int depth)
        {
            var list = new List<object?>();
            while ((Peek() ?? throw new FormatException("unterminated list")) != ")")
            {
                list.Add(ReadValue(depth));
            }

            Next();
            return list;
        }

        private string? Peek()
        {
            var saved = position;
            var token = Next();
            position = saved;
            return token;
        }

        private string? Next()
        {
            while (position < text.Length && text[position] is ' ' or '\n' or '\t')
            {
                position++;
            }

            if (position >= text.Length)
            {
                return null;
            }

            if (text[position] is '(' or ')' or '{' or '}')
            {
                return text[position++].ToString();
            }

            var token = new StringBuilder();
            while (position < text.Length && text[position] is not (' ' or '\n' or '\t' or '(' or ')' or '{' or '}'))
            {
                if (text[position] == '\\' && position + 1 < text.Length)
                {
                    position++;
                }

                token.Append(text[position++]);
            }

            return token.ToString();
        }
    }
}
