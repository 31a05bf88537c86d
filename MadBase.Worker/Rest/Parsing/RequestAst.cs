namespace MadBase.Worker.Rest.Parsing;

/// <summary>
/// One step of a JSON path: <c>-&gt;key</c> (json) or <c>-&gt;&gt;key</c> (text); an unquoted integer is an array
/// index (PostgREST's JIdx), a quoted one stays a key.
/// </summary>
internal sealed record JsonStep(string Key, bool AsText, bool IsIndex = false);

/// <summary>A column, possibly followed by a JSON path (<c>data-&gt;a-&gt;&gt;b</c>).</summary>
internal sealed record Field(string Name, IReadOnlyList<JsonStep> Path)
{
    public static Field Of(string name) => new(name, []);

    /// <summary>
    /// The key PostgREST names the output after (Plan.hs lastJsonKey): the last step's key; after an index, the
    /// last key before it, else the column.
    /// </summary>
    public string DefaultName =>
        Path.Count == 0 ? Name
        : !Path[^1].IsIndex ? Path[^1].Key
        : Path.LastOrDefault(s => !s.IsIndex)?.Key ?? Name;
}

internal abstract record SelectItem;

/// <summary><c>alias:col-&gt;path::cast</c>, or an aggregate <c>col.sum()</c> / <c>count()</c>.</summary>
internal sealed record FieldItem(Field Field, string? Alias, string? Cast, string? Aggregate, string? AggregateCast) : SelectItem;

internal enum EmbedJoin
{
    Default,
    Inner,
    Left,
}

/// <summary><c>alias:rel!hint!inner(items)</c>, or <c>...rel(items)</c> when spread.</summary>
internal sealed record EmbedItem(string Name, string? Alias, string? Hint, EmbedJoin Join, bool Spread, IReadOnlyList<SelectItem> Items) : SelectItem;

/// <summary>
/// <c>op(modifier).value</c>: value is the raw text (for <c>eq(any)</c> and the like, a Postgres array literal
/// passed as it is, as PostgREST does), or the list for <c>in</c>.
/// </summary>
internal sealed record Operation(string Operator, string? Modifier, string? Config, string Value, IReadOnlyList<string>? List);

internal abstract record Condition;

internal sealed record FilterCondition(Field Field, bool Negated, Operation Operation) : Condition;

internal sealed record LogicCondition(bool IsAnd, bool Negated, IReadOnlyList<Condition> Children) : Condition;

/// <summary>
/// <c>col.desc.nullslast</c>, or <c>rel(col).desc</c> ordering by a column of a to-one embedded resource: then
/// <c>Relation</c> names the embed (its alias or name); the planner replaces it with the embed's SQL alias.
/// </summary>
internal sealed record OrderTerm(Field Field, bool Descending, bool? NullsFirst, string? Relation = null);

/// <summary>What applies to one node of the embedding tree (the root has an empty path).</summary>
internal sealed class NodeOptions
{
    public List<Condition> Conditions { get; } = [];

    public List<OrderTerm> Order { get; set; } = [];

    public long? Limit { get; set; }

    public long? Offset { get; set; }
}

/// <summary>The parsed query string: select tree and per-path options, keyed by the embedding path joined with '.'.</summary>
internal sealed class QueryAst
{
    public IReadOnlyList<SelectItem> Select { get; set; } = [new FieldItem(Field.Of("*"), null, null, null, null)];

    public Dictionary<string, NodeOptions> Nodes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string>? OnConflict { get; set; }

    public IReadOnlyList<string>? Columns { get; set; }

    /// <summary>Query parameters that were not grammar (RPC GET arguments), in order; a repeated key stays repeated (VARIADIC).</summary>
    public List<KeyValuePair<string, string>> Arguments { get; } = [];

    public NodeOptions Node(string path)
    {
        if (!Nodes.TryGetValue(path, out var node))
        {
            Nodes[path] = node = new NodeOptions();
        }

        return node;
    }
}
