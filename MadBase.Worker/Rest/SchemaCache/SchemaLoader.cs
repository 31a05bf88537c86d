using Npgsql;

namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>
/// Reads the catalog of a project's exposed schemas in one round trip (one batch), as PostgREST's
/// SchemaCache.hs does: relations, columns, unique keys, foreign keys and functions.
/// </summary>
internal static class SchemaLoader
{
    private const string Relations = """
        SELECT n.nspname, c.relname, c.relkind::text,
               c.relkind IN ('r', 'p') OR (c.relkind IN ('v', 'f') AND (pg_relation_is_updatable(c.oid::regclass, true) & 8) = 8)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
        """;

    private const string Columns = """
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attnum::int
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'v', 'm', 'f', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY n.nspname, c.relname, a.attnum
        """;

    private const string UniqueKeys = """
        SELECT n.nspname, c.relname, i.indisprimary,
               array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.ord)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        ORDER BY i.indisprimary DESC, i.indexrelid
        """;

    private const string ForeignKeys = """
        SELECT con.conname, n.nspname, c.relname,
               array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
               fn.nspname, fc.relname,
               array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class fc ON fc.oid = con.confrelid
        JOIN pg_namespace fn ON fn.oid = fc.relnamespace
        WHERE con.contype = 'f' AND n.nspname = ANY($1) AND fn.nspname = ANY($1)
        ORDER BY con.conname
        """;

    // Input arguments only (modes i, b, v); OUT/TABLE arguments become result columns.
    private const string Functions = """
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
               END
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_type rt ON rt.oid = p.prorettype
        LEFT JOIN pg_class rc ON rc.oid = rt.typrelid AND rc.relkind IN ('r', 'v', 'm', 'f', 'p')
        LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE n.nspname = ANY($1) AND p.prokind = 'f'
        """;

    public static async Task<SchemaModel> LoadAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, CancellationToken cancellationToken)
    {
        var schemaArray = schemas.ToArray();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var sql in new[] { Relations, Columns, UniqueKeys, ForeignKeys, Functions })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = schemaArray });
            batch.BatchCommands.Add(command);
        }

        var relations = new List<(string Schema, string Name, char Kind, bool Insertable)>();
        var columns = new Dictionary<(string, string), List<DbColumn>>();
        var keys = new Dictionary<(string, string), (List<string> Pk, List<IReadOnlyList<string>> Unique)>();
        var foreignKeys = new List<DbForeignKey>();
        var functions = new List<DbFunction>();

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            relations.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)[0], reader.GetBoolean(3)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!columns.TryGetValue(key, out var list))
            {
                columns[key] = list = [];
            }

            list.Add(new DbColumn(reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!keys.TryGetValue(key, out var entry))
            {
                keys[key] = entry = ([], []);
            }

            var cols = reader.GetFieldValue<string[]>(3);
            if (reader.GetBoolean(2))
            {
                entry.Pk.AddRange(cols);
            }

            entry.Unique.Add(cols);
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            foreignKeys.Add(new DbForeignKey(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3),
                reader.GetString(4), reader.GetString(5), reader.GetFieldValue<string[]>(6)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var names = reader.GetFieldValue<string[]>(2);
            var types = reader.GetFieldValue<string[]>(3);
            var defaults = reader.GetInt32(4);
            var args = names.Select((name, i) => new DbFunctionArg(name, types[i], i >= names.Length - defaults)).ToList();
            var resultNames = reader.GetFieldValue<string[]>(12);
            var resultTypes = reader.GetFieldValue<string[]>(13);
            functions.Add(new DbFunction(
                reader.GetString(0), reader.GetString(1), args, reader.GetString(5), reader.GetBoolean(6),
                reader.GetBoolean(8), reader.GetBoolean(9), reader.GetString(7)[0],
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                [.. resultNames.Select((name, i) => new DbColumn(name, resultTypes[i], true, null, i + 1))]));
        }

        var tables = relations.Select(r =>
        {
            var k = keys.GetValueOrDefault((r.Schema, r.Name));
            return new DbTable(
                r.Schema, r.Name, r.Kind, r.Insertable,
                columns.GetValueOrDefault((r.Schema, r.Name)) ?? [],
                k.Pk ?? [],
                k.Unique ?? []);
        }).ToList();
        return new SchemaModel(schemas, tables, foreignKeys, functions);
    }
}
