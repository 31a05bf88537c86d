using System.Globalization;
using System.Text;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Planning;
using NpgsqlTypes;

namespace MadBase.Worker.Rest.Sql;

/// <summary>
/// Plan → SQL for reads (PostgREST's QueryBuilder.hs/SqlFragment.hs): the root relation with one LATERAL
/// subquery per embedded resource that builds its JSON in Postgres (row_to_json for to-one, json_agg for
/// to-many), filters, order and limits in place. Names come from the plan, values are parameters.
/// </summary>
internal static class ReadQuery
{
    /// <summary><c>SELECT … FROM source AS alias … WHERE … ORDER BY … LIMIT …</c> for one node.</summary>
    public static string Node(Statement st, ReadNode node, ReadNode? parent, string? source = null, bool countOnly = false)
    {
        // Parameters are numbered as they are added: the select list's first, then the filters', then the order's.
        var joins = new StringBuilder();
        var groupBy = new List<string>();
        var select = countOnly ? CountOnlySelectList(st, node, joins) : SelectList(st, node, joins, groupBy);
        var where = new List<string>();
        var from = From(node, parent, source, where);
        where.AddRange(node.Conditions.Select(c => Condition(st, node, c)));

        var text = new StringBuilder("SELECT ").Append(select.Count == 0 ? "NULL" : string.Join(", ", select))
            .Append(" FROM ").Append(from).Append(joins);
        if (where.Count > 0)
        {
            text.Append(" WHERE ").Append(string.Join(" AND ", where));
        }

        if (!countOnly && node.Groups && groupBy.Count > 0)
        {
            text.Append(" GROUP BY ").Append(string.Join(", ", groupBy));
        }

        if (!countOnly)
        {
            text.Append(OrderBy(st, node)).Append(Range(node));
        }

        return text.ToString();
    }

    /// <summary>The node's outputs: columns, aggregates and embedded resources (whose joins go to <paramref name="joins"/>).</summary>
    private static List<string> SelectList(Statement st, ReadNode node, StringBuilder joins, List<string> groupBy)
    {
        var select = new List<string>();
        var groups = node.Groups;
        foreach (var output in node.Outputs)
        {
            switch (output)
            {
                case ColumnOutput { Field.Name: "*", Aggregate: null, FullRow: false } when groups:
                    // Grouped rows name every column, as PostgREST expands '*' next to aggregates.
                    foreach (var column in node.Table.Columns)
                    {
                        var expression = Ident.Quote(node.Alias) + "." + Ident.Quote(column.Name);
                        select.Add(expression);
                        groupBy.Add(expression);
                    }

                    break;
                case ColumnOutput column:
                    var sql = ColumnSql(st, node, column);
                    select.Add(sql.Expression);
                    if (column.Aggregate is null)
                    {
                        groupBy.Add(sql.GroupKey);
                    }

                    break;
                case EmbedOutput embed:
                    select.AddRange(EmbedSql(st, node, embed.Child, joins, groupBy, groups));
                    break;
            }
        }

        if (node.ToManySpread)
        {
            // The parent aggregates a to-many spread's columns in this order: it needs the order's values.
            select.AddRange(node.Order.Select((term, i) => OrderExpression(st, node, term) + " AS " + Ident.Quote(SpreadOrderColumn(i))));
        }

        return select;
    }

    /// <summary>For a count: no outputs, but inner embeds, and embeds a null filter tests, still decide which parent rows exist.</summary>
    private static List<string> CountOnlySelectList(Statement st, ReadNode node, StringBuilder joins)
    {
        foreach (var embed in node.Outputs.OfType<EmbedOutput>().Where(e => e.Child.Inner || e.Child.NullFiltered))
        {
            EmbedSql(st, node, embed.Child, joins, [], false);
        }

        return ["1"];
    }

    /// <summary>
    /// The node's relation (a computed relationship's function call, or <paramref name="source"/>), with the
    /// junction of a many-to-many; the conditions tying it to the parent row go to <paramref name="where"/>.
    /// </summary>
    private static StringBuilder From(ReadNode node, ReadNode? parent, string? source, List<string> where)
    {
        if (node.Relationship?.Computed is { } computed && parent is not null)
        {
            // A computed relationship: the function returns the rows related to the parent's row.
            source = $"{computed.QualifiedName}({Ident.Quote(parent.Alias)}::{parent.Table.QualifiedName})";
        }

        var from = new StringBuilder().Append(source ?? node.Table.QualifiedName).Append(" AS ").Append(Ident.Quote(node.Alias));
        if (node.Relationship is not { } rel || parent is null)
        {
            return from;
        }

        if (rel.Junction is { } junction)
        {
            var junctionAlias = Ident.Quote(node.Alias + "_j");
            from.Append(" JOIN ").Append(junction.QualifiedName).Append(" AS ").Append(junctionAlias).Append(" ON ")
                .Append(string.Join(" AND ", rel.JunctionPairs.Select(p => $"{junctionAlias}.{Ident.Quote(p.Junction)} = {Ident.Quote(node.Alias)}.{Ident.Quote(p.Child)}")));
            where.AddRange(rel.Pairs.Select(p => $"{junctionAlias}.{Ident.Quote(p.Child)} = {Ident.Quote(parent.Alias)}.{Ident.Quote(p.Parent)}"));
        }
        else
        {
            where.AddRange(rel.Pairs.Select(p => $"{Ident.Quote(node.Alias)}.{Ident.Quote(p.Child)} = {Ident.Quote(parent.Alias)}.{Ident.Quote(p.Parent)}"));
        }

        return from;
    }

    private static (string Expression, string GroupKey) ColumnSql(Statement st, ReadNode node, ColumnOutput column)
    {
        var name = Ident.Quote(column.OutputName);
        if (column.Aggregate is { } aggregate)
        {
            var argument = column.Field.Name == "*" ? "*" : FieldSql(st, node, column.Field);
            if (column.Cast is { } inner)
            {
                argument = $"({argument})::{inner}";
            }

            var call = $"{aggregate}({argument})";
            if (column.AggregateCast is { } outer)
            {
                call = $"({call})::{outer}";
            }

            return (call + " AS " + name, call);
        }

        if (column.FullRow)
        {
            // The row itself, for a count() its parent computes: null when a left join found no row.
            var row = Ident.Quote(node.Alias);
            return (row + " AS " + name, row);
        }

        if (column.Field.Name == "*")
        {
            var star = Ident.Quote(node.Alias) + ".*";
            return (star, star);
        }

        var expression = FieldSql(st, node, column.Field);
        if (column.Cast is { } cast)
        {
            expression = $"({expression})::{cast}";
        }

        return (expression + " AS " + name, expression);
    }

    /// <summary>
    /// The LATERAL join of an embed and what the parent selects of it (nothing for an empty embed, which only
    /// filters), as PostgREST's QueryBuilder: a to-one embed is its subquery, selected as
    /// <c>row_to_json(join.*)::jsonb</c> (so a related order can read its columns); a to-many embed aggregates
    /// with <c>json_agg</c>, null without rows until the parent selects it, so a null filter can tell; a to-one
    /// spread selects the subquery's columns (computing the aggregates hoisted to it); a to-many spread
    /// aggregates each column into an array, all in the same order.
    /// </summary>
    private static IEnumerable<string> EmbedSql(Statement st, ReadNode parent, ReadNode child, StringBuilder joins, List<string> groupBy, bool groups)
    {
        var lateral = new Lateral(
            Ident.Quote(child.Alias + "_e"),
            Node(st, child, parent),
            child.Inner ? " INNER JOIN LATERAL (" : " LEFT JOIN LATERAL (",
            Ident.Quote(EmbedBody),
            Ident.Quote(child.Alias + "_r"));
        if (child.ToManySpread)
        {
            return ToManySpread(child, lateral, joins, groupBy);
        }

        if (child.Relationship!.ToOne)
        {
            joins.Append(lateral.Join).Append(lateral.Inner).Append(") AS ").Append(lateral.Alias).Append(" ON TRUE");
            return ToOne(parent, child, lateral.Alias, groupBy, groups);
        }

        joins.Append(lateral.Join).Append($"SELECT json_agg({lateral.Rows}.*)::jsonb AS {lateral.Body} FROM ({lateral.Inner}) AS {lateral.Rows}")
            .Append(") AS ").Append(lateral.Alias)
            .Append(child.Inner ? $" ON {lateral.Alias}.{lateral.Body} IS NOT NULL" : " ON TRUE");
        if (child.IsEmpty)
        {
            return [];
        }

        var expression = $"coalesce({lateral.Alias}.{lateral.Body}, '[]')";
        groupBy.Add(expression);
        return [expression + " AS " + Ident.Quote(child.OutputName)];
    }

    /// <summary>An embed's LATERAL subquery: its alias, the child's SELECT, the join keyword, its JSON column and its rows' alias.</summary>
    private sealed record Lateral(string Alias, string Inner, string Join, string Body, string Rows);

    /// <summary>A to-many spread: each of the child's columns aggregated into an array, all in the child's order.</summary>
    private static List<string> ToManySpread(ReadNode child, Lateral lateral, StringBuilder joins, List<string> groupBy)
    {
        var rows = lateral.Rows;
        var names = child.OutputColumns().ToList();
        var order = child.Order.Count == 0
            ? string.Empty
            : " ORDER BY " + string.Join(", ", child.Order.Select((term, i) => Directed($"{rows}.{Ident.Quote(SpreadOrderColumn(i))}", term)));
        var arrays = names.Select(n => $", coalesce(json_agg({rows}.{Ident.Quote(n)}{order}), '[]')::jsonb AS {Ident.Quote(n)}");
        joins.Append(lateral.Join).Append($"SELECT json_agg({rows})::jsonb AS {lateral.Body}").Append(string.Concat(arrays))
            .Append($" FROM ({lateral.Inner}) AS {rows}) AS ").Append(lateral.Alias)
            .Append(child.Inner ? $" ON {lateral.Alias}.{lateral.Body} IS NOT NULL" : " ON TRUE");
        var columns = names.Select(n => $"{lateral.Alias}.{Ident.Quote(n)}").ToList();
        groupBy.AddRange(columns);
        return columns;
    }

    /// <summary>What the parent selects of a to-one embed: its row as JSON, or a spread's columns.</summary>
    private static List<string> ToOne(ReadNode parent, ReadNode child, string joinAlias, List<string> groupBy, bool groups)
    {
        if (child.IsEmpty)
        {
            return [];
        }

        if (!child.Spread)
        {
            var row = $"row_to_json({joinAlias}.*)::jsonb";
            groupBy.Add(row);
            return [row + " AS " + Ident.Quote(child.OutputName)];
        }

        if (!groups)
        {
            groupBy.Add(joinAlias + ".*");
            return [joinAlias + ".*"];
        }

        // Grouped: the spread's columns are grouping keys, its hoisted aggregates are computed here (unless this
        // node is itself a to-one spread, which passes them on).
        var selected = new List<string>();
        foreach (var name in child.OutputColumns())
        {
            var column = $"{joinAlias}.{Ident.Quote(name)}";
            if (!parent.ToOneSpread && child.Hoisted.FirstOrDefault(h => h.Name == name) is { } hoisted)
            {
                var call = $"{hoisted.Aggregate}({column})";
                selected.Add((hoisted.Cast is { } cast ? $"({call})::{cast}" : call) + " AS " + Ident.Quote(name));
            }
            else
            {
                selected.Add(column);
                groupBy.Add(column);
            }
        }

        return selected;
    }

    /// <summary>The column of an embed's LATERAL subquery that holds its JSON.</summary>
    private const string EmbedBody = "pgrst_body";

    private static string SpreadOrderColumn(int index) => "pgrst_order_" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A column, or a computed field called on the row (<c>fn(alias::table)</c>: the cast lets the row of a write's
    /// CTE or a function's result stand for the table's row), then the JSON path: on a column that is not json or
    /// jsonb, over <c>to_jsonb(column)</c> as PostgREST does (arrays, composites, text all have paths).
    /// </summary>
    public static string FieldSql(Statement st, ReadNode node, Field field)
    {
        var sql = new StringBuilder();
        var column = node.Table.Column(field.Name);
        if (ReadPlanner.IsRowCount(node.Table, field))
        {
            return $"count({Ident.Quote(node.Alias)})";
        }

        if (column is null && node.Table.ComputedFields.TryGetValue(field.Name, out var function))
        {
            sql.Append(function).Append('(').Append(Ident.Quote(node.Alias)).Append("::").Append(node.Table.QualifiedName).Append(')');
        }
        else
        {
            sql.Append(Ident.Quote(node.Alias)).Append('.').Append(Ident.Quote(field.Name));
        }

        if (field.Path.Count == 0)
        {
            return sql.ToString();
        }

        var json = column?.Type is "json" or "jsonb" ? sql.ToString() : $"to_jsonb({sql})";
        return "(" + json + JsonPathSql(st, field.Path) + ")";
    }

    /// <summary><c>-&gt;$1-&gt;&gt;$2::int</c>: keys and indexes are parameters, an index cast to int as PostgREST does.</summary>
    private static string JsonPathSql(Statement st, IReadOnlyList<JsonStep> path)
    {
        var sql = new StringBuilder();
        foreach (var step in path)
        {
            sql.Append(step.AsText ? "->>" : "->");
            sql.Append(step.IsIndex ? st.Typed(step.Key, NpgsqlDbType.Text) + "::int" : st.Typed(step.Key, NpgsqlDbType.Text));
        }

        return sql.ToString();
    }

    /// <summary><c> LIMIT n OFFSET m</c> for the node's range, or what of it is set.</summary>
    public static string Range(ReadNode node) =>
        (node.Limit is { } limit ? " LIMIT " + limit.ToString(CultureInfo.InvariantCulture) : string.Empty)
        + (node.Offset is { } offset and not 0 ? " OFFSET " + offset.ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary><c> ORDER BY …</c> for the node's order terms, or nothing.</summary>
    public static string OrderBy(Statement st, ReadNode node) =>
        node.Order.Count == 0 ? string.Empty : " ORDER BY " + string.Join(", ", node.Order.Select(o => OrderSql(st, node, o)));

    private static string OrderSql(Statement st, ReadNode node, OrderTerm term) => Directed(OrderExpression(st, node, term), term);

    /// <summary>
    /// The value an order term sorts by: a column of the node, or one of the to-one embed it names, read from the
    /// embed's join as PostgREST does (plain JSON operators there, no <c>to_jsonb</c>).
    /// </summary>
    private static string OrderExpression(Statement st, ReadNode node, OrderTerm term)
    {
        if (term.Relation is not { } relation)
        {
            return FieldSql(st, node, term.Field);
        }

        var column = $"{Ident.Quote(relation + "_e")}.{Ident.Quote(term.Field.Name)}";
        return term.Field.Path.Count == 0 ? column : "(" + column + JsonPathSql(st, term.Field.Path) + ")";
    }

    private static string Directed(string expression, OrderTerm term) => expression + (term.Descending ? " DESC" : " ASC") + Nulls(term);

    private static string Nulls(OrderTerm term) => term.NullsFirst switch
    {
        true => " NULLS FIRST",
        false => " NULLS LAST",
        null => string.Empty,
    };

    public static string Condition(Statement st, ReadNode node, Condition condition)
    {
        switch (condition)
        {
            case LogicCondition logic:
                var joined = "(" + string.Join(logic.IsAnd ? " AND " : " OR ", logic.Children.Select(c => Condition(st, node, c))) + ")";
                return logic.Negated ? "NOT " + joined : joined;
            case FilterCondition filter:
                var sql = FilterSql(st, node, filter);
                return filter.Negated ? "NOT (" + sql + ")" : sql;
            case EmbedNullCondition embedNull:
                // A to-one embed (or a spread) is its join's row, null without a related row; a to-many one its aggregate.
                var embedded = Ident.Quote(embedNull.Child.Alias + "_e");
                var tested = embedNull.Child.Spread || embedNull.Child.Relationship!.ToOne ? embedded : embedded + "." + Ident.Quote(EmbedBody);
                return $"{tested} IS {(embedNull.IsNull ? "NOT " : string.Empty)}DISTINCT FROM NULL";
            default:
                throw new InvalidOperationException("unknown condition");
        }
    }

    private static string FilterSql(Statement st, ReadNode node, FilterCondition filter)
    {
        var op = filter.Operation;
        var field = FieldSql(st, node, filter.Field);
        if (op.Modifier is { } modifier)
        {
            // The value is a Postgres array literal, as PostgREST passes it.
            var array = op.Operator is "like" or "ilike" ? op.Value.Replace('*', '%') : op.Value;
            return $"{field} {SqlOperator(op.Operator)} {modifier.ToUpperInvariant()}({st.Unknown(array)})";
        }

        switch (op.Operator)
        {
            case "in":
                // One array parameter however long the list (PostgREST's "= ANY"); in.() matches nothing.
                return op.List is [""] ? "FALSE" : $"{field} = ANY({st.Unknown(ArrayLiteral(op.List!))})";
            case "is":
                return op.Value.ToLowerInvariant() switch
                {
                    "null" => $"{field} IS NULL",
                    "not_null" => $"{field} IS NOT NULL",
                    "true" => $"{field} IS TRUE",
                    "false" => $"{field} IS FALSE",
                    _ => $"{field} IS UNKNOWN",
                };
            case "isdistinct":
                return $"{field} IS DISTINCT FROM {st.Unknown(op.Value)}";
            case "like" or "ilike":
                return $"{field} {SqlOperator(op.Operator)} {st.Unknown(op.Value.Replace('*', '%'))}";
            case "fts" or "plfts" or "phfts" or "wfts":
                var function = op.Operator switch
                {
                    "fts" => "to_tsquery",
                    "plfts" => "plainto_tsquery",
                    "phfts" => "phraseto_tsquery",
                    _ => "websearch_to_tsquery",
                };
                var column = filter.Field.Path.Count == 0 ? node.Table.Column(filter.Field.Name) : null;
                var isVector = column?.Type == "tsvector";
                string config = op.Config is { Length: > 0 } c ? st.Typed(c, NpgsqlDbType.Text) + "::regconfig, " : string.Empty;
                var document = isVector ? field : $"to_tsvector({config}{field})";
                return $"{document} @@ {function}({config}{st.Typed(op.Value, NpgsqlDbType.Text)})";
            default:
                return $"{field} {SqlOperator(op.Operator)} {st.Unknown(op.Value)}";
        }
    }

    private static string SqlOperator(string op) => op switch
    {
        "eq" => "=",
        "neq" => "<>",
        "gt" => ">",
        "gte" => ">=",
        "lt" => "<",
        "lte" => "<=",
        "like" => "LIKE",
        "ilike" => "ILIKE",
        "match" => "~",
        "imatch" => "~*",
        "cs" => "@>",
        "cd" => "<@",
        "ov" => "&&",
        "sl" => "<<",
        "sr" => ">>",
        "nxr" => "&<",
        "nxl" => "&>",
        "adj" => "-|-",
        _ => throw RestException.Parse($"\"unknown operator {op}\""),
    };

    /// <summary>A Postgres array literal <c>{"a","b"}</c>: an in list as one parameter.</summary>
    private static string ArrayLiteral(IEnumerable<string> items) =>
        "{" + string.Join(",", items.Select(i => "\"" + i.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}";
}
