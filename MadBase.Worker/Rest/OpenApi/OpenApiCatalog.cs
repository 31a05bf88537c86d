using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Rest.OpenApi;

/// <summary>A column as PostgREST's schema cache describes it for the OpenAPI output.</summary>
internal sealed record OpenApiColumn(
    string Name, string? Description, bool Nullable, string Format, int? MaxLength, IReadOnlyList<string> Enum, string? Default);

/// <summary>A relation the caller holds some privilege on; <c>Writable</c>: it takes an INSERT, UPDATE or DELETE.</summary>
internal sealed record OpenApiRelation(string Name, string? Description, bool Writable, IReadOnlyList<OpenApiColumn> Columns);

/// <summary>An input argument as PostgREST's RoutineParam: its type as regtype prints it, required when it has no default.</summary>
internal sealed record OpenApiArgument(string Name, string Type, bool Required, bool Variadic);

internal sealed record OpenApiFunction(string Name, string? Description, bool Volatile, IReadOnlyList<OpenApiArgument> Arguments);

/// <summary>
/// What the document describes, read in the caller's own transaction as PostgREST's openapi-mode
/// follow-privileges does (accessibleTables, accessibleFuncs, schemaDescription): only the relations and
/// functions the request's role may use, with the comments, types and defaults of the catalog.
/// </summary>
internal sealed record OpenApiCatalog(string? SchemaDescription, IReadOnlyList<OpenApiRelation> Relations, IReadOnlyList<OpenApiFunction> Functions)
{
    private const string SchemaDescriptionSql = """
        SELECT obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE n.nspname = $1
        """;

    private const string RelationsSql = """
        SELECT c.relname, obj_description(c.oid, 'pg_class'),
               c.relkind IN ('r', 'p') OR (c.relkind IN ('v', 'f') AND (pg_relation_is_updatable(c.oid::regclass, true) & 28) <> 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition
          AND (pg_has_role(c.relowner, 'USAGE')
               OR has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
               OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
        ORDER BY c.relname
        """;

    // PostgREST's columns CTE: the type is named without its modifier when it is a built-in one (a domain by
    // its built-in base type), an enum's labels come from the domain's base type, and the default is what
    // missing=default would insert.
    private const string ColumnsSql = """
        WITH RECURSIVE chain(oid, base) AS (
            SELECT oid, typbasetype FROM pg_type WHERE typtype = 'd'
            UNION ALL
            SELECT chain.oid, t.typbasetype FROM chain JOIN pg_type t ON t.oid = chain.base WHERE t.typtype = 'd'),
        domain_base AS (
            SELECT c.oid, c.base FROM chain c JOIN pg_type t ON t.oid = c.base WHERE t.typtype <> 'd')
        SELECT c.relname, a.attname, col_description(c.oid, a.attnum),
               NOT (a.attnotnull OR t.typtype = 'd' AND t.typnotnull),
               CASE
                 WHEN t.typtype = 'd' THEN
                   CASE WHEN bt.typnamespace = 'pg_catalog'::regnamespace THEN format_type(bt.oid, NULL) ELSE format_type(a.atttypid, a.atttypmod) END
                 WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN format_type(a.atttypid, NULL)
                 ELSE format_type(a.atttypid, a.atttypmod)
               END,
               information_schema._pg_char_max_length(information_schema._pg_truetypid(a.*, t.*), information_schema._pg_truetypmod(a.*, t.*))::int,
               array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder),
               CASE
                 WHEN t.typbasetype <> 0 AND d.adbin IS NULL THEN pg_get_expr(t.typdefaultbin, 0)
                 WHEN a.attidentity = 'd' THEN format('nextval(%L)', (SELECT s.objid::regclass FROM pg_depend s
                     WHERE s.refobjid = a.attrelid AND s.refobjsubid = a.attnum AND s.deptype = 'i' AND s.classid = 'pg_class'::regclass LIMIT 1))
                 WHEN a.attgenerated = 's' THEN NULL
                 ELSE pg_get_expr(d.adbin, d.adrelid)
               END
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN domain_base db ON db.oid = t.oid
        JOIN pg_type bt ON bt.oid = coalesce(db.base, t.oid)
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum
        """;

    // PostgREST's funcsSqlQuery + has_function_privilege: plain functions not returning a trigger, callable
    // through the API (every argument named, or a single unnamed bytea/json/jsonb/text/xml one). Argument
    // types print as regtype does under the request's search path (the schema, then public), as PostgREST's.
    private const string SearchPathSql = "SELECT set_config('search_path', $1, true)";

    private const string FunctionsSql = """
        SELECT p.proname, obj_description(p.oid, 'pg_proc'), p.provolatile = 'v', p.pronargs - p.pronargdefaults,
               coalesce(array(SELECT coalesce(p.proargnames[k.ord], '') FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY k(t, ord)
                              WHERE coalesce(p.proargmodes[k.ord], 'i') IN ('i', 'b', 'v') ORDER BY k.ord), '{}'),
               coalesce(array(SELECT k.t::regtype::text FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY k(t, ord)
                              WHERE coalesce(p.proargmodes[k.ord], 'i') IN ('i', 'b', 'v') ORDER BY k.ord), '{}'),
               coalesce(array(SELECT coalesce(p.proargmodes[k.ord] = 'v', false) FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY k(t, ord)
                              WHERE coalesce(p.proargmodes[k.ord], 'i') IN ('i', 'b', 'v') ORDER BY k.ord), '{}')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
          AND (p.proargnames IS NOT NULL OR p.pronargs = 0
               OR p.pronargs = 1 AND p.proargtypes[0] IN ('bytea'::regtype, 'json'::regtype, 'jsonb'::regtype, 'text'::regtype, 'xml'::regtype))
          AND has_function_privilege(p.oid, 'execute')
        ORDER BY p.proname, p.pronargs, p.oid
        """;

    public static async Task<OpenApiCatalog> ReadAsync(RestContext rest)
    {
        var cancellationToken = rest.Http.RequestAborted;
        await using var batch = await rest.Tenant.BeginAsync(RlsMode.SingleTrip);
        var preRequest = RestExecutor.PreRequestCall(rest);
        if (preRequest is not null)
        {
            batch.Add(preRequest);
        }

        var schema = new NpgsqlParameter { Value = rest.SchemaName };
        batch.Add(SchemaDescriptionSql, [schema]);
        batch.Add(RelationsSql, [schema.Clone()]);
        batch.Add(ColumnsSql, [schema.Clone()]);
        batch.Add(SearchPathSql, [new NpgsqlParameter { Value = Sql.Ident.Quote(rest.SchemaName) + ", public" }]);
        batch.Add(FunctionsSql, [schema.Clone()]);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (preRequest is not null)
        {
            await reader.NextResultAsync(cancellationToken);
        }

        string? description = null;
        if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
        {
            description = reader.GetString(0);
        }

        await reader.NextResultAsync(cancellationToken);
        var relations = await ReadRelationsAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var columns = await ReadColumnsAsync(reader, cancellationToken);

        // Past the search_path's set_config, to the functions.
        await reader.NextResultAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var functions = await ReadFunctionsAsync(reader, cancellationToken);
        while (await reader.NextResultAsync(cancellationToken))
        {
        }

        return new OpenApiCatalog(
            description,
            [.. relations.Select(r => new OpenApiRelation(r.Name, r.Description, r.Writable, columns.GetValueOrDefault(r.Name) ?? []))],
            functions);
    }

    private static async Task<List<(string Name, string? Description, bool Writable)>> ReadRelationsAsync(
        NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var relations = new List<(string Name, string? Description, bool Writable)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            relations.Add((reader.GetString(0), NullableString(reader, 1), reader.GetBoolean(2)));
        }

        return relations;
    }

    /// <summary>Each relation's columns, by relation name.</summary>
    private static async Task<Dictionary<string, List<OpenApiColumn>>> ReadColumnsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var columns = new Dictionary<string, List<OpenApiColumn>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var relation = reader.GetString(0);
            if (!columns.TryGetValue(relation, out var list))
            {
                columns[relation] = list = [];
            }

            list.Add(new OpenApiColumn(
                reader.GetString(1), NullableString(reader, 2), reader.GetBoolean(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetFieldValue<string[]>(6), NullableString(reader, 7)));
        }

        return columns;
    }

    private static async Task<List<OpenApiFunction>> ReadFunctionsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var functions = new List<OpenApiFunction>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var required = reader.GetInt32(3);
            var names = reader.GetFieldValue<string[]>(4);
            var types = reader.GetFieldValue<string[]>(5);
            var variadic = reader.GetFieldValue<bool[]>(6);
            functions.Add(new OpenApiFunction(
                reader.GetString(0), NullableString(reader, 1), reader.GetBoolean(2),
                [.. names.Select((name, i) => new OpenApiArgument(name, types[i], i < required, variadic[i]))]));
        }

        return functions;
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
