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
        Fill(root, ast.Select, ast, string.Empty);
        foreach (var path in ast.Nodes.Keys)
        {
            if (path.Length > 0 && Find(root, path) is null)
            {
                throw new RestException(
                    StatusCodes.Status400BadRequest, "PGRST108",
                    $"'{path}' is not an embedded resource in this request",
                    null,
                    $"Verify that '{path}' is included in the 'select' query parameter.");
            }
        }

        return root;
    }

    /// <summary>Checks that a condition list only names columns of <paramref name="table"/>.</summary>
    public static void CheckConditions(DbTable table, IEnumerable<Condition> conditions)
    {
        foreach (var condition in conditions)
        {
            switch (condition)
            {
                case FilterCondition filter:
                    CheckField(table, filter.Field);
                    break;
                case LogicCondition logic:
                    CheckConditions(table, logic.Children);
                    break;
            }
        }
    }

    public static void CheckField(DbTable table, Field field)
    {
        if (!table.HasField(field.Name))
        {
            throw RestException.UnknownColumn(table.Name, field.Name);
        }
    }

    public static string CheckCast(string cast) =>
        CastPattern().IsMatch(cast)
            ? cast
            : throw RestException.Parse($"\"failed to parse cast ({cast})\"");

    private static ReadNode? Find(ReadNode node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            current = current.Outputs.OfType<EmbedOutput>().Select(e => e.Child).FirstOrDefault(c => c.OutputName == part);
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private string NextAlias() => "t" + aliases++;

    private void Fill(ReadNode node, IReadOnlyList<SelectItem> items, QueryAst ast, string path)
    {
        FillOutputs(node, items, ast, path);
        if (ast.Nodes.TryGetValue(path, out var options))
        {
            var conditions = options.Conditions.Select(c => WithEmbedNullFilters(node, c)).ToList();
            CheckConditions(node.Table, conditions);
            foreach (var term in options.Order)
            {
                CheckField(node.Table, term.Field);
            }

            node.Conditions.AddRange(conditions);
            node.Order = options.Order;
            node.Limit = options.Limit;
            node.Offset = options.Offset;
        }
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

    private void FillOutputs(ReadNode node, IReadOnlyList<SelectItem> items, QueryAst ast, string path)
    {
        foreach (var item in items)
        {
            switch (item)
            {
                case FieldItem field:
                    node.Outputs.Add(PlanField(node.Table, field));
                    break;
                case EmbedItem embed:
                    var relationship = RelationshipFinder.Find(schema, node.Table, embed.Name, embed.Hint);
                    if (embed.Spread && !relationship.ToOne)
                    {
                        throw new RestException(
                            StatusCodes.Status400BadRequest, "PGRST119",
                            "A spread operation on a to-many relationship is not supported",
                            $"'{node.Table.Name}' and '{embed.Name}' do not form a many-to-one or one-to-one relationship");
                    }

                    var outputName = embed.Alias ?? embed.Name;
                    var child = new ReadNode(relationship.Target, NextAlias())
                    {
                        Relationship = relationship,
                        OutputName = outputName,
                        Inner = embed.Join == EmbedJoin.Inner,
                        Spread = embed.Spread,
                    };
                    Fill(child, embed.Items, ast, path.Length == 0 ? outputName : path + "." + outputName);
                    node.Outputs.Add(new EmbedOutput(child));
                    break;
            }
        }
    }

    private ColumnOutput PlanField(DbTable table, FieldItem item)
    {
        if (item.Aggregate is not null && !aggregatesEnabled)
        {
            throw new RestException(StatusCodes.Status400BadRequest, "PGRST123", "Use of aggregate functions is not allowed");
        }

        if (item.Field.Name != "*")
        {
            CheckField(table, item.Field);
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

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}(\\[\\])?$")]
    private static partial Regex CastPattern();
}
