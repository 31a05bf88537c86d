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
        var select = new List<string>();
        var joins = new StringBuilder();
        var groupBy = new List<string>();
        if (!countOnly)
        {
            foreach (var output in node.Outputs)
            {
                switch (output)
                {
                    case ColumnOutput column:
                        var sql = ColumnSql(st, node, column);
                        select.Add(sql.Expression);
                        if (column.Aggregate is null)
                        {
                            groupBy.Add(sql.GroupKey);
                        }

                        break;
                    case EmbedOutput embed:
                        if (EmbedSql(st, node, embed.Child, joins, groupBy) is { } embedded)
                        {
                            select.Add(embedded);
                        }

                        break;
                }
            }
        }
        else
        {
            // Inner embeds, and embeds a null filter tests, still decide which parent rows exist.
            foreach (var embed in node.Outputs.OfType<EmbedOutput>().Where(e => e.Child.Inner || e.Child.NullFiltered))
            {
                EmbedSql(st, node, embed.Child, joins, groupBy);
            }

            select.Add("1");
        }

        var from = new StringBuilder();
        if (node.Relationship?.Computed is { } computed && parent is not null)
        {
            // A computed relationship: the function returns the rows related to the parent's row.
            source = $"{computed.QualifiedName}({Ident.Quote(parent.Alias)}::{parent.Table.QualifiedName})";
        }

        from.Append(source ?? node.Table.QualifiedName).Append(" AS ").Append(Ident.Quote(node.Alias));
        var where = new List<string>();
        if (node.Relationship is { } rel && parent is not null)
        {
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
        }

        where.AddRange(node.Conditions.Select(c => Condition(st, node, c)));

        var text = new StringBuilder("SELECT ").Append(select.Count == 0 ? "NULL" : string.Join(", ", select))
            .Append(" FROM ").Append(from).Append(joins);
        if (where.Count > 0)
        {
            text.Append(" WHERE ").Append(string.Join(" AND ", where));
        }

        if (!countOnly && node.HasAggregates && groupBy.Count > 0)
        {
            text.Append(" GROUP BY ").Append(string.Join(", ", groupBy));
        }

        if (!countOnly)
        {
            text.Append(OrderBy(st, node)).Append(Range(node));
        }

        return text.ToString();
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
    /// The LATERAL join of an embed and what the parent selects of it (null for an empty embed, which only
    /// filters). As PostgREST, the embedded JSON is jsonb (so its objects are formatted and ordered as jsonb
    /// prints them), and a to-many embed's aggregate stays null without rows until the parent selects it,
    /// so a null filter can tell.
    /// </summary>
    private static string? EmbedSql(Statement st, ReadNode parent, ReadNode child, StringBuilder joins, List<string> groupBy)
    {
        var joinAlias = Ident.Quote(child.Alias + "_e");
        var inner = Node(st, child, parent);
        var join = child.Inner ? " INNER JOIN LATERAL (" : " LEFT JOIN LATERAL (";
        if (child.Spread)
        {
            joins.Append(join).Append(inner).Append(") AS ").Append(joinAlias).Append(" ON TRUE");
            if (child.IsEmpty)
            {
                return null;
            }

            groupBy.Add(joinAlias + ".*");
            return joinAlias + ".*";
        }

        var rows = Ident.Quote(child.Alias + "_r");
        var body = Ident.Quote(EmbedBody);
        var toOne = child.Relationship!.ToOne;
        var aggregate = toOne
            ? $"SELECT row_to_json({rows}.*)::jsonb AS {body} FROM ({inner}) AS {rows}"
            : $"SELECT json_agg({rows}.*)::jsonb AS {body} FROM ({inner}) AS {rows}";
        joins.Append(join).Append(aggregate).Append(") AS ").Append(joinAlias)
            .Append(child.Inner ? $" ON {joinAlias}.{body} IS NOT NULL" : " ON TRUE");
        if (child.IsEmpty)
        {
            return null;
        }

        var expression = toOne ? $"{joinAlias}.{body}" : $"coalesce({joinAlias}.{body}, '[]')";
        groupBy.Add(expression);
        return expression + " AS " + Ident.Quote(child.OutputName);
    }

    /// <summary>The column of an embed's LATERAL subquery that holds its JSON.</summary>
    private const string EmbedBody = "body";

    /// <summary>
    /// A column, or a computed field called on the row (<c>fn(alias::table)</c>: the cast lets the row of a write's
    /// CTE or a function's result stand for the table's row), then the JSON path. As PostgREST, a path into a
    /// value that is not json or jsonb (an array, a composite, a computed field) reads from <c>to_jsonb(value)</c>.
    /// </summary>
    public static string FieldSql(Statement st, ReadNode node, Field field)
    {
        var column = node.Table.Column(field.Name);
        var value = column is null && node.Table.ComputedFields.TryGetValue(field.Name, out var function)
            ? function + "(" + Ident.Quote(node.Alias) + "::" + node.Table.QualifiedName + ")"
            : Ident.Quote(node.Alias) + "." + Ident.Quote(field.Name);
        var sql = new StringBuilder(
            field.Path.Count == 0 || column?.Type is "json" or "jsonb" ? value : "to_jsonb(" + value + ")");
        foreach (var step in field.Path)
        {
            sql.Append(step.AsText ? "->>" : "->");
            if (int.TryParse(step.Key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
            {
                sql.Append(index.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                sql.Append(st.Typed(step.Key, NpgsqlDbType.Text));
            }
        }

        return field.Path.Count > 0 ? "(" + sql + ")" : sql.ToString();
    }

    /// <summary><c> LIMIT n OFFSET m</c> for the node's range, or what of it is set.</summary>
    public static string Range(ReadNode node) =>
        (node.Limit is { } limit ? " LIMIT " + limit.ToString(CultureInfo.InvariantCulture) : string.Empty)
        + (node.Offset is { } offset and > 0 ? " OFFSET " + offset.ToString(CultureInfo.InvariantCulture) : string.Empty);

    /// <summary><c> ORDER BY …</c> for the node's order terms, or nothing.</summary>
    public static string OrderBy(Statement st, ReadNode node) =>
        node.Order.Count == 0 ? string.Empty : " ORDER BY " + string.Join(", ", node.Order.Select(o => OrderSql(st, node, o)));

    private static string OrderSql(Statement st, ReadNode node, OrderTerm term)
    {
        var sql = FieldSql(st, node, term.Field) + (term.Descending ? " DESC" : " ASC");
        return term.NullsFirst switch
        {
            true => sql + " NULLS FIRST",
            false => sql + " NULLS LAST",
            null => sql,
        };
    }

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
                var embedded = Ident.Quote(embedNull.Child.Alias + "_e");
                return $"{(embedNull.Child.Spread ? embedded : embedded + "." + Ident.Quote(EmbedBody))} IS {(embedNull.IsNull ? "NOT " : string.Empty)}DISTINCT FROM NULL";
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
            // The value is a Postgres array literal ({a*,"b,c"}) that Postgres itself parses, as in PostgREST.
            var literal = op.Operator is "like" or "ilike" ? op.Value.Replace('*', '%') : op.Value;
            return $"{field} {SqlOperator(op.Operator)} {modifier.ToUpperInvariant()}({st.Unknown(literal)})";
        }

        switch (op.Operator)
        {
            case "in":
                return op.List!.Count == 0 ? "FALSE" : $"{field} IN ({string.Join(", ", op.List.Select(st.Unknown))})";
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
}
