using System.Text.RegularExpressions;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest.Planning;

/// <summary>
/// AST + schema cache → the embedding tree (PostgREST's Plan.hs): every column, relationship and cast is
/// resolved here, so the SQL builder never sees an unchecked name.
/// </summary>
internal sealed partial class ReadPlanner(SchemaModel schema, bool aggregatesEnabled)
{
    private int aliases;

    public ReadNode Plan(DbTable table, QueryAst ast)
    {
        var root = new ReadNode(table, NextAlias());
        FillOutputs(root, ast.Select);
        foreach (var (path, options) in ast.Nodes)
        {
            ApplyOptions(path.Length == 0 ? root : Find(root, path), options);
        }

        return root;
    }

    /// <summary>Checks that a condition list only names columns of <paramref name="node"/>'s relation.</summary>
    public static void CheckConditions(ReadNode node, IEnumerable<Condition> conditions)
    {
        foreach (var condition in conditions)
        {
            switch (condition)
            {
                case FilterCondition filter:
                    CheckField(node, filter.Field);
                    break;
                case LogicCondition logic:
                    CheckConditions(node, logic.Children);
                    break;
            }
        }
    }

    /// <summary>A column or computed field of the node's relation, else Postgres's 42703 as PostgREST's query would get it.</summary>
    public static void CheckField(ReadNode node, Field field)
    {
        if (!node.Table.HasField(field.Name) && !IsRowCount(node.Table, field))
        {
            var scopes = new List<MissingColumn.Scope>();
            for (var scope = node; scope is not null; scope = scope.Parent)
            {
                scopes.Add(new MissingColumn.Scope(scope.ErrorAlias, [.. scope.Table.Columns.Select(c => c.Name)]));
            }

            throw MissingColumn.Error(node.ErrorAlias, field.Name, scopes);
        }
    }

    /// <summary>
    /// <c>count</c> where the relation has no such column: Postgres reads PostgREST's <c>"rel"."count"</c> as
    /// <c>count("rel")</c>, the legacy row count (<c>select=count</c>, <c>books(count)</c>).
    /// </summary>
    public static bool IsRowCount(DbTable table, Field field) => field is { Name: "count", Path.Count: 0 } && !table.HasField("count");

    public static string CheckCast(string cast) =>
        CastPattern().IsMatch(cast)
            ? cast
            : throw RestException.Parse($"\"failed to parse cast ({cast})\"");

    /// <summary>
    /// The embed a dotted path of filters, order or limits names: each step by its name or its alias, as PostgREST's
    /// updateNode; the first step that names no embed is PGRST108.
    /// </summary>
    private static ReadNode Find(ReadNode node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            current = current.Outputs.OfType<EmbedOutput>().Select(e => e.Child).FirstOrDefault(c => c.RelationName == part || c.OutputName == part)
                ?? throw NotEmbedded(part);
        }

        return current;
    }

    private static RestException NotEmbedded(string name) =>
        new(
            StatusCodes.Status400BadRequest, "PGRST108",
            $"'{name}' is not an embedded resource in this request",
            null,
            $"Verify that '{name}' is included in the 'select' query parameter.");

    private string NextAlias() => "t" + aliases++;

    private static void ApplyOptions(ReadNode node, NodeOptions options)
    {
        var conditions = options.Conditions.Select(c => WithEmbedNullFilters(node, c)).ToList();
        CheckConditions(node, conditions);
        node.Conditions.AddRange(conditions);
        if (options.Order.Count > 0)
        {
            node.Order = [.. options.Order.Select(term => PlanOrder(node, term))];
        }

        node.Limit = options.Limit ?? node.Limit;
        node.Offset = options.Offset ?? node.Offset;
    }

    /// <summary>
    /// A column of the node, or <c>rel(col)</c>: a column the to-one embed <c>rel</c> selects (PostgREST's
    /// addRelatedOrders), which the SQL reads from the embed's join; a to-many embed is PGRST118.
    /// </summary>
    private static OrderTerm PlanOrder(ReadNode node, OrderTerm term)
    {
        if (term.Relation is not { } relation)
        {
            CheckField(node, term.Field);
            return term;
        }

        var child = node.Outputs.OfType<EmbedOutput>().Select(e => e.Child).FirstOrDefault(c => c.OutputName == relation)
            ?? throw NotEmbedded(relation);
        if (!child.Relationship!.ToOne)
        {
            throw new RestException(
                StatusCodes.Status400BadRequest, "PGRST118",
                $"A related order on '{relation}' is not possible",
                $"'{node.Table.Name}' and '{relation}' do not form a many-to-one or one-to-one relationship");
        }

        var columns = child.OutputColumns().ToList();
        if (!columns.Contains(term.Field.Name))
        {
            throw MissingColumn.Error(child.JoinErrorAlias, term.Field.Name, [new MissingColumn.Scope(child.JoinErrorAlias, columns)]);
        }

        return term with { Relation = child.Alias };
    }

    /// <summary>
    /// <c>rel=is.null</c> or <c>rel=not.is.null</c> (also inside or/and) where <c>rel</c> names an embed of this node
    /// filters on the embed (PostgREST's addNullEmbedFilters); anything else stays a column filter.
    /// </summary>
    private static Condition WithEmbedNullFilters(ReadNode node, Condition condition)
    {
        switch (condition)
        {
            case LogicCondition logic:
                return logic with { Children = [.. logic.Children.Select(c => WithEmbedNullFilters(node, c))] };
            case FilterCondition { Field.Path.Count: 0, Operation: { Operator: "is", Modifier: null } op } filter
                when op.Value.Equals("null", StringComparison.OrdinalIgnoreCase)
                     && node.Outputs.OfType<EmbedOutput>().Select(e => e.Child).FirstOrDefault(c => c.OutputName == filter.Field.Name) is { } child:
                child.NullFiltered = true;
                return new EmbedNullCondition(child, !filter.Negated);
            default:
                return condition;
        }
    }

    private void FillOutputs(ReadNode node, IReadOnlyList<SelectItem> items)
    {
        foreach (var item in items)
        {
            switch (item)
            {
                case FieldItem field:
                    node.Outputs.Add(PlanField(node, field));
                    break;
                case EmbedItem embed:
                    var relationship = RelationshipFinder.Find(schema, node.Table, embed.Name, embed.Hint);
                    var child = new ReadNode(relationship.Target, NextAlias())
                    {
                        Relationship = relationship,
                        Parent = node,
                        Depth = node.Depth + 1,
                        RelationName = embed.Name,
                        OutputName = embed.Alias ?? embed.Name,
                        Inner = embed.Join == EmbedJoin.Inner,
                        Spread = embed.Spread,
                    };
                    FillOutputs(child, embed.Items);
                    if (child.ToOneSpread)
                    {
                        Hoist(child);
                    }
                    else if (child.ToManySpread && (child.HasAggregates || child.Outputs.OfType<EmbedOutput>().Any(e => e.Child.Hoisted.Count > 0)))
                    {
                        throw new RestException(
                            StatusCodes.Status400BadRequest, "PGRST127", "Feature not implemented",
                            "Aggregates are not implemented for one-to-many or many-to-many spreads.");
                    }

                    if (node.Outputs.OfType<EmbedOutput>().Any(e => e.Child.JoinErrorAlias == child.JoinErrorAlias))
                    {
                        // PostgREST names each embed's lateral join parent_name_depth: a second embed of the same name
                        // (two hints, no alias) makes Postgres refuse the query, and PostgREST answers with that error.
                        throw new RestException(
                            StatusCodes.Status400BadRequest, "42712", $"table name \"{child.JoinErrorAlias}\" specified more than once");
                    }

                    node.Outputs.Add(new EmbedOutput(child));
                    break;
            }
        }
    }

    /// <summary>
    /// The aggregates of a to-one spread are computed by its parent, grouped by the parent's columns (PostgREST's
    /// hoistSpreadAggFunctions): the spread selects the plain column under the aggregate's output name, and those
    /// of to-one spreads inside it pass through it.
    /// </summary>
    private static void Hoist(ReadNode spread)
    {
        for (var i = 0; i < spread.Outputs.Count; i++)
        {
            if (spread.Outputs[i] is ColumnOutput { Aggregate: { } aggregate } column)
            {
                spread.Outputs[i] = column with { Aggregate = null, AggregateCast = null, FullRow = column.Field.Name == "*" };
                spread.Hoisted.Add(new HoistedAggregate(column.OutputName, aggregate, column.AggregateCast));
            }
            else if (spread.Outputs[i] is EmbedOutput { Child.ToOneSpread: true } inner)
            {
                spread.Hoisted.AddRange(inner.Child.Hoisted);
            }
        }
    }

    private ColumnOutput PlanField(ReadNode node, FieldItem item)
    {
        if (item.Aggregate is not null && !aggregatesEnabled)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST123", "Use of aggregate functions is not allowed");
        }

        if (item.Field.Name != "*")
        {
            CheckField(node, item.Field);
        }
        else if (item.Aggregate is null && (item.Field.Path.Count > 0 || item.Cast is not null))
        {
            throw RestException.Parse("\"failed to parse select parameter (*)\"", "'*' takes no JSON path or cast");
        }

        var cast = item.Cast is null ? null : CheckCast(item.Cast);
        var aggregateCast = item.AggregateCast is null ? null : CheckCast(item.AggregateCast);
        var name = item.Alias ?? item.Aggregate ?? item.Field.DefaultName;
        return new ColumnOutput(item.Field, name, cast, item.Aggregate, aggregateCast);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_ ]{0,62}(\\[\\])?$")]
    private static partial Regex CastPattern();
}
