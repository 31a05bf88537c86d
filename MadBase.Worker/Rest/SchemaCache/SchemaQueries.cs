namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>
/// The catalog queries of the schema cache, run in one batch by <see cref="SchemaLoader"/>; <c>$1</c> is the
/// list of exposed schemas.
/// </summary>
internal static class SchemaQueries
{
    public const string Relations = """
        SELECT n.nspname, c.relname, c.relkind::text,
               c.relkind IN ('r', 'p') OR (c.relkind IN ('v', 'f') AND (pg_relation_is_updatable(c.oid::regclass, true) & 8) = 8),
               c.oid
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition
        ORDER BY n.nspname, c.relname
        """;

    // The default is PostgREST's column_default (missing=default fills absent keys with it): a domain's own
    // default, nextval of a BY DEFAULT identity's sequence, none for a generated column (whose pg_attrdef
    // entry is its expression), else the column's default.
    public const string Columns = """
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
               CASE
                 WHEN t.typbasetype <> 0 AND d.adbin IS NULL THEN pg_get_expr(t.typdefaultbin, 0)
                 WHEN a.attidentity = 'd' THEN format('nextval(%L)', (SELECT s.objid::regclass FROM pg_depend s
                     WHERE s.refobjid = a.attrelid AND s.refobjsubid = a.attnum AND s.deptype = 'i' AND s.classid = 'pg_class'::regclass LIMIT 1))
                 WHEN a.attgenerated = 's' THEN NULL
                 ELSE pg_get_expr(d.adbin, d.adrelid)
               END, a.attnum::int,
               CASE WHEN t.typbasetype <> 0 THEN format_type(t.typbasetype, t.typtypmod) ELSE format_type(a.atttypid, a.atttypmod) END
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY n.nspname, c.relname, a.attnum
        """;

    public const string UniqueKeys = """
        SELECT n.nspname, c.relname, i.indisprimary,
               array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.ord)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        ORDER BY i.indisprimary DESC, i.indexrelid
        """;

    // Every foreign key, by oids and column numbers: a key between tables of other schemas still joins views
    // over them. Partitions' copies of a key (conparentid <> 0) are left out. One-to-one when the
    // referencing columns are exactly a primary key or unique constraint of their table (as PostgREST: a
    // unique index that is not a constraint does not count).
    public const string ForeignKeys = """
        SELECT con.conname, con.conrelid, con.conkey::int[], con.confrelid, con.confkey::int[],
               EXISTS (SELECT 1 FROM pg_constraint u
                       WHERE u.conrelid = con.conrelid AND u.contype IN ('p', 'u')
                         AND (SELECT array_agg(k ORDER BY k) FROM unnest(u.conkey) AS k)
                           = (SELECT array_agg(k ORDER BY k) FROM unnest(con.conkey) AS k))
        FROM pg_constraint con
        WHERE con.contype = 'f' AND con.conparentid = 0 AND con.connamespace <> 'pg_catalog'::regnamespace
        ORDER BY con.conname
        """;

    public const string PrimaryKeys = """
        SELECT con.conrelid, con.conkey::int[]
        FROM pg_constraint con
        WHERE con.contype = 'p' AND con.connamespace <> 'pg_catalog'::regnamespace
        """;

    // The rewrite rules of the exposed views and of every view they read from, in any schema.
    public const string Views = """
        WITH RECURSIVE needed(oid) AS (
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)
            UNION
            SELECT d.refobjid FROM needed
            JOIN pg_rewrite r ON r.ev_class = needed.oid
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
            JOIN pg_class rc ON rc.oid = d.refobjid AND rc.relkind IN ('v', 'm'))
        SELECT r.ev_class, r.ev_action::text
        FROM pg_rewrite r
        WHERE r.rulename = '_RETURN' AND r.ev_class IN (SELECT oid FROM needed)
        """;

    // Functions of one argument, a row of an exposed relation (PostgREST's computed fields and computed
    // relationships): the argument's relation, and the relation the function returns when it returns rows of
    // one (with whether it is a single row: not SETOF, or ROWS 1).
    public const string Computed = """
        SELECT n.nspname, p.proname, an.nspname, ac.relname, rn.nspname, rc.relname, NOT p.proretset OR p.prorows = 1
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_type at ON at.oid = p.proargtypes[0]
        JOIN pg_class ac ON ac.oid = at.typrelid AND ac.relkind IN ('r', 'v', 'm', 'f', 'p')
        JOIN pg_namespace an ON an.oid = ac.relnamespace
        LEFT JOIN pg_type rt ON rt.oid = p.prorettype
        LEFT JOIN pg_class rc ON rc.oid = rt.typrelid AND rc.relkind IN ('r', 'v', 'm', 'f', 'p')
        LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE n.nspname = ANY($1) AND p.prokind = 'f' AND p.pronargs = 1 AND an.nspname = ANY($1)
          AND p.prorettype <> 'void'::regtype AND rt.typtype <> 'p'
        ORDER BY n.nspname, p.proname
        """;

    // PostGIS's ST_AsGeoJSON(record) (PostGIS 3+), for application/geo+json; the extension's own first.
    public const string GeoJson = """
        SELECT n.nspname, p.proname
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.proname = 'st_asgeojson' AND p.pronargs >= 1 AND p.proargtypes[0] = 'record'::regtype
          AND p.prorettype = 'text'::regtype AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                         WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e' AND e.extname = 'postgis') DESC,
                 n.nspname = ANY($1) DESC, n.nspname
        LIMIT 1
        """;

    // Input arguments only (modes i, b, v); OUT/TABLE arguments become result columns.
    public const string Functions = """
        SELECT n.nspname, p.proname,
               coalesce(array(SELECT coalesce(p.proargnames[k.ord], '') FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY k(t, ord)
                              WHERE coalesce(p.proargmodes[k.ord], 'i') IN ('i', 'b', 'v') ORDER BY k.ord), '{}'),
               coalesce(array(SELECT format_type(k.t, NULL) FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY k(t, ord)
                              WHERE coalesce(p.proargmodes[k.ord], 'i') IN ('i', 'b', 'v') ORDER BY k.ord), '{}'),
               p.pronargdefaults::int,
               format_type(p.prorettype, NULL), p.proretset, p.provolatile::text,
               rt.typtype = 'c' OR (rt.oid = 'record'::regtype AND p.proallargtypes IS NOT NULL),
               rt.oid = 'void'::regtype,
               rn.nspname, rc.relname,
               CASE WHEN rt.typrelid <> 0 THEN
                   array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = rt.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
               ELSE
                   coalesce(array(SELECT coalesce(p.proargnames[k.ord], '') FROM unnest(p.proallargtypes) WITH ORDINALITY k(t, ord)
                                  WHERE p.proargmodes[k.ord] IN ('o', 'b', 't') ORDER BY k.ord), '{}')
               END,
               CASE WHEN rt.typrelid <> 0 THEN
                   array(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = rt.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
               ELSE
                   coalesce(array(SELECT format_type(k.t, NULL) FROM unnest(p.proallargtypes) WITH ORDINALITY k(t, ord)
                                  WHERE p.proargmodes[k.ord] IN ('o', 'b', 't') ORDER BY k.ord), '{}')
               END,
               coalesce(array(SELECT p.proargmodes[k.ord] = 'v' FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY k(t, ord)
                              WHERE coalesce(p.proargmodes[k.ord], 'i') IN ('i', 'b', 'v') ORDER BY k.ord), '{}')
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_type rt ON rt.oid = p.prorettype
        LEFT JOIN pg_class rc ON rc.oid = rt.typrelid AND rc.relkind IN ('r', 'v', 'm', 'f', 'p')
        LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE n.nspname = ANY($1) AND p.prokind = 'f'
        """;
}
