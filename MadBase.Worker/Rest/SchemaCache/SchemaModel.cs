namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>A column as the catalog describes it; <c>DefaultSql</c> is pg_get_expr output, trusted catalog text.</summary>
internal sealed record DbColumn(string Name, string Type, bool Nullable, string? DefaultSql, int Position)
{
    /// <summary>A domain's base type (its constraints are checked when the value is stored), else <see cref="Type"/>.</summary>
    public string BaseType { get; init; } = Type;
}

/// <summary>A table, view, materialized view or foreign table of an exposed schema.</summary>
internal sealed record DbTable(
    string Schema,
    string Name,
    char Kind,
    bool Insertable,
    IReadOnlyList<DbColumn> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<IReadOnlyList<string>> UniqueKeys)
{
    private readonly Dictionary<string, DbColumn> byName = Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public DbColumn? Column(string name) => byName.GetValueOrDefault(name);

    /// <summary>
    /// Computed fields: functions of one argument, this relation's row, by name → the function's quoted qualified
    /// name. PostgREST lets Postgres resolve <c>table.name</c> as <c>name(table)</c>; here the call is explicit.
    /// </summary>
    public IReadOnlyDictionary<string, string> ComputedFields { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A column or a computed field: what select, filters and order may name.</summary>
    public bool HasField(string name) => byName.ContainsKey(name) || ComputedFields.ContainsKey(name);

    public string QualifiedName => Sql.Ident.Quote(Schema) + "." + Sql.Ident.Quote(Name);

    /// <summary>Views and materialized views: embedding through them needs their columns traced to base tables.</summary>
    public bool IsView => Kind is 'v' or 'm';
}

/// <summary>
/// A foreign key: <c>Columns</c> of <c>From</c> reference <c>RefColumns</c> of <c>To</c>. Either side may be a
/// view whose columns trace back to the constraint's columns (then the key carries the constraint's name).
/// <c>OneToOne</c>: the referencing columns are unique in the base table.
/// </summary>
internal sealed record DbForeignKey(
    string Name, string FromSchema, string FromTable, IReadOnlyList<string> Columns,
    string ToSchema, string ToTable, IReadOnlyList<string> RefColumns, bool OneToOne = false);

/// <summary>
/// A computed relationship (PostgREST): <c>Schema.Function(TableSchema.Table) RETURNS [SETOF] Target</c>, embeddable
/// from <c>Table</c> under the function's name; to-one when it returns a single row (not SETOF, or ROWS 1).
/// </summary>
internal sealed record DbComputedRelationship(
    string Schema, string Function, string TableSchema, string Table, string TargetSchema, string Target, bool ToOne)
{
    public string QualifiedName => Sql.Ident.Quote(Schema) + "." + Sql.Ident.Quote(Function);
}

/// <summary>An input argument; a VARIADIC one is passed as <c>VARIADIC name := array</c>.</summary>
internal sealed record DbFunctionArg(string Name, string Type, bool HasDefault, bool Variadic = false);

/// <summary>
/// A function callable as /rpc/name. <c>ReturnsRelation</c> is set when it returns a table's row type, a
/// composite or <c>TABLE(…)</c>, so select/filters/order apply to its rows.
/// </summary>
internal sealed record DbFunction(
    string Schema,
    string Name,
    IReadOnlyList<DbFunctionArg> Args,
    string ReturnType,
    bool ReturnsSet,
    bool ReturnsRelation,
    bool ReturnsVoid,
    char Volatility,
    string? ReturnTableSchema,
    string? ReturnTableName,
    IReadOnlyList<DbColumn> ResultColumns)
{
    public string QualifiedName => Sql.Ident.Quote(Schema) + "." + Sql.Ident.Quote(Name);

    /// <summary>A single unnamed parameter: it is passed by position and receives the whole request body, as in PostgREST.</summary>
    public bool IsPositional => Args.Count == 1 && Args[0].Name.Length == 0;

    /// <summary>
    /// What PostgREST's schema cache keeps: a function whose parameters are all unnamed is callable only with none,
    /// or with one of a type a raw body can be (json, jsonb, text, xml, bytea).
    /// </summary>
    public bool IsCallable => Args.Count == 0
        || Args.Any(a => a.Name.Length > 0)
        || (Args.Count == 1 && Args[0].Type is "json" or "jsonb" or "text" or "xml" or "bytea");
}

/// <summary>Everything the planner may name: identifiers in SQL come from here only.</summary>
internal sealed class SchemaModel(
    IReadOnlyList<string> schemas,
    IReadOnlyList<DbTable> tables,
    IReadOnlyList<DbForeignKey> foreignKeys,
    IReadOnlyList<DbFunction> functions,
    string? geoJsonFunction = null,
    IReadOnlyList<DbComputedRelationship>? computedRelationships = null)
{
    private readonly Dictionary<(string, string), DbTable> tablesByName =
        tables.ToDictionary(t => (t.Schema, t.Name));

    private readonly ILookup<(string, string), DbFunction> functionsByName =
        functions.ToLookup(f => (f.Schema, f.Name));

    public IReadOnlyList<string> Schemas { get; } = schemas;

    public IReadOnlyList<DbTable> Tables { get; } = tables;

    public IReadOnlyList<DbForeignKey> ForeignKeys { get; } = foreignKeys;

    public IReadOnlyList<DbFunction> Functions { get; } = functions;

    public IReadOnlyList<DbComputedRelationship> ComputedRelationships { get; } = computedRelationships ?? [];

    /// <summary>PostGIS's <c>ST_AsGeoJSON(record)</c>, schema-qualified and quoted; null without PostGIS (no GeoJSON output).</summary>
    public string? GeoJsonFunction { get; } = geoJsonFunction;

    public DbTable? Table(string schema, string name) => tablesByName.GetValueOrDefault((schema, name));

    public IEnumerable<DbFunction> FunctionsNamed(string schema, string name) => functionsByName[(schema, name)];
}
