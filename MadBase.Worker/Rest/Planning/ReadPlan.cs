using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest.Planning;

internal abstract record PlannedOutput;

/// <summary>A column (or <c>*</c>, or an aggregate) checked against the schema cache.</summary>
internal sealed record ColumnOutput(Field Field, string OutputName, string? Cast, string? Aggregate, string? AggregateCast) : PlannedOutput;

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

    public string OutputName { get; init; } = string.Empty;

    public bool Inner { get; init; }

    public bool Spread { get; init; }

    public bool HasAggregates => Outputs.OfType<ColumnOutput>().Any(c => c.Aggregate is not null);

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
