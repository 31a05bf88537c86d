using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest.Planning;

internal abstract record PlannedOutput;

/// <summary>
/// A column (or <c>*</c>, or an aggregate) checked against the schema cache. <c>FullRow</c>: the row itself under
/// <c>OutputName</c>, what a to-one spread selects for a <c>count()</c> its parent computes.
/// </summary>
internal sealed record ColumnOutput(Field Field, string OutputName, string? Cast, string? Aggregate, string? AggregateCast, bool FullRow = false) : PlannedOutput;

/// <summary>An aggregate of a to-one spread computed by the parent over the spread's column <c>Name</c> (PostgREST's hoisting).</summary>
internal sealed record HoistedAggregate(string Name, string Aggregate, string? Cast);

internal sealed record EmbedOutput(ReadNode Child) : PlannedOutput;

/// <summary>One relation of the embedding tree with everything the SQL builder needs, all names checked.</summary>
internal sealed class ReadNode(DbTable table, string alias)
{
    public DbTable Table { get; } = table;

    /// <summary>The SQL alias of this relation (t0, t1, …): never user text.</summary>
    public string Alias { get; } = alias;

    public List<PlannedOutput> Outputs { get; } = [];

    public List<Condition> Conditions { get; } = [];

    public List<OrderTerm> Order { get; set; } = [];

    public long? Limit { get; set; }

    public long? Offset { get; set; }

    /// <summary>How this node joins its parent; null for the root.</summary>
    public Relationship? Relationship { get; init; }

    public ReadNode? Parent { get; init; }

    /// <summary>0 for the root, 1 for its embeds, …: part of the aliases PostgREST's queries give relations.</summary>
    public int Depth { get; init; }

    /// <summary>The embed's name as written in select (before any alias).</summary>
    public string RelationName { get; init; } = string.Empty;

    public string OutputName { get; init; } = string.Empty;

    /// <summary>
    /// How PostgREST's query names this relation, hence how Postgres's errors name it: the table for the root
    /// and many-to-many embeds, <c>table_depth</c> for other embeds.
    /// </summary>
    public string ErrorAlias => Relationship is null || Relationship.Junction is not null ? Table.Name : $"{Table.Name}_{Depth}";

    /// <summary>PostgREST's name for the subquery a parent joins this embed as: <c>parent_embed_depth</c>.</summary>
    public string JoinErrorAlias => $"{Parent?.Table.Name}_{OutputName}_{Depth}";

    public bool ToOneSpread => Spread && Relationship is { ToOne: true };

    public bool ToManySpread => Spread && Relationship is { ToOne: false };

    /// <summary>Aggregates of this to-one spread (and of the to-one spreads in it) that the parent computes.</summary>
    public List<HoistedAggregate> Hoisted { get; } = [];

    public bool Inner { get; init; }

    public bool Spread { get; init; }

    public bool HasAggregates => Outputs.OfType<ColumnOutput>().Any(c => c.Aggregate is not null);

    /// <summary>Whether this node's query groups: it aggregates, or computes aggregates hoisted from its to-one spreads.</summary>
    public bool Groups => HasAggregates || (!ToOneSpread && Outputs.OfType<EmbedOutput>().Any(e => e.Child.ToOneSpread && e.Child.Hoisted.Count > 0));

    /// <summary>
    /// The columns this node's query outputs (<c>*</c> as the table's columns, a spread as its own columns): what a
    /// parent can order by or spread.
    /// </summary>
    public IEnumerable<string> OutputColumns()
    {
        foreach (var output in Outputs)
        {
            switch (output)
            {
                case ColumnOutput { Field.Name: "*", Aggregate: null, FullRow: false }:
                    foreach (var column in Table.Columns)
                    {
                        yield return column.Name;
                    }

                    break;
                case ColumnOutput column:
                    yield return column.OutputName;
                    break;
                case EmbedOutput { Child.Spread: true } spread:
                    foreach (var name in spread.Child.OutputColumns())
                    {
                        yield return name;
                    }

                    break;
                case EmbedOutput embed when !embed.Child.IsEmpty:
                    yield return embed.Child.OutputName;
                    break;
            }
        }
    }

    /// <summary>A filter of the parent tests whether this embed is null (<c>rel=not.is.null</c>): it is joined even when counting.</summary>
    public bool NullFiltered { get; set; }

    /// <summary>
    /// <c>rel()</c>, with nothing selected in it or in its own embeds: it only filters (with <c>!inner</c> or a
    /// null filter) and, as in PostgREST, does not appear in the output.
    /// </summary>
    public bool IsEmpty => !Outputs.OfType<ColumnOutput>().Any() && Outputs.OfType<EmbedOutput>().All(e => e.Child.IsEmpty);
}

/// <summary>
/// <c>rel=is.null</c> / <c>rel=not.is.null</c> on an embedded resource: whether the parent row has (to-one) a
/// related row or (to-many) any related rows left by the embed's own filters (PostgREST's null embed filter).
/// </summary>
internal sealed record EmbedNullCondition(ReadNode Child, bool IsNull) : Condition;
