using Npgsql;

namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>
/// Reads the catalog of a project's exposed schemas in one round trip (one batch), as PostgREST's
/// SchemaCache.hs does: relations, columns, unique keys, foreign keys (carried through views), functions
/// and whether PostGIS can render GeoJSON.
/// </summary>
internal static class SchemaLoader
{
    public static async Task<SchemaModel> LoadAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, CancellationToken cancellationToken)
    {
        await using var batch = CatalogBatch(connection, schemas);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var catalog = await ReadCatalogAsync(reader, cancellationToken);
        return ToModel(schemas, catalog);
    }

    /// <summary>The catalog queries, in the order <see cref="ReadCatalogAsync"/> reads their results.</summary>
    private static NpgsqlBatch CatalogBatch(NpgsqlConnection connection, IReadOnlyList<string> schemas)
    {
        var schemaArray = schemas.ToArray();
        var batch = new NpgsqlBatch(connection);
        foreach (var (sql, takesSchemas) in new[]
                 {
                     (SchemaQueries.Relations, true), (SchemaQueries.Columns, true), (SchemaQueries.UniqueKeys, true),
                     (SchemaQueries.ForeignKeys, false), (SchemaQueries.PrimaryKeys, false), (SchemaQueries.Views, true),
                     (SchemaQueries.Functions, true), (SchemaQueries.GeoJson, true), (SchemaQueries.Computed, true),
                 })
        {
            var command = new NpgsqlBatchCommand(sql);
            if (takesSchemas)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = schemaArray });
            }

            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>The catalog's rows as read, one list per query, before any of them is joined to another.</summary>
    private sealed record Catalog(
        List<Relation> Relations,
        List<((string, string) Table, DbColumn Column)> Columns,
        List<((string, string) Table, bool Primary, string[] Columns)> Keys,
        List<CatalogForeignKey> ForeignKeys,
        List<CatalogPrimaryKey> PrimaryKeys,
        List<(uint Oid, IReadOnlyList<ViewColumnOrigin> Origins)> Views,
        List<DbFunction> Functions,
        string? GeoJson,
        List<ComputedFunction> Computed);

    private sealed record Relation(string Schema, string Name, char Kind, bool Insertable, uint Oid);

    /// <summary>A function of a relation's row: a computed field, or (with a target) a computed relationship.</summary>
    private sealed record ComputedFunction(string Schema, string Function, string TableSchema, string Table, string? TargetSchema, string? Target, bool ToOne);

    private static async Task<Catalog> ReadCatalogAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) => new(
        await ReadRowsAsync(reader, r => new Relation(r.GetString(0), r.GetString(1), r.GetString(2)[0], r.GetBoolean(3), r.GetFieldValue<uint>(4)), cancellationToken),
        await ReadRowsAsync(
            reader,
            r => ((r.GetString(0), r.GetString(1)), new DbColumn(r.GetString(2), r.GetString(3), r.GetBoolean(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetInt32(6))
            {
                BaseType = r.GetString(7),
            }),
            cancellationToken),
        await ReadRowsAsync(reader, r => ((r.GetString(0), r.GetString(1)), r.GetBoolean(2), r.GetFieldValue<string[]>(3)), cancellationToken),
        await ReadRowsAsync(
            reader,
            r => new CatalogForeignKey(
                r.GetString(0), r.GetFieldValue<uint>(1), r.GetFieldValue<int[]>(2), r.GetFieldValue<uint>(3), r.GetFieldValue<int[]>(4), r.GetBoolean(5)),
            cancellationToken),
        await ReadRowsAsync(reader, r => new CatalogPrimaryKey(r.GetFieldValue<uint>(0), r.GetFieldValue<int[]>(1)), cancellationToken),
        await ReadRowsAsync(reader, r => (r.GetFieldValue<uint>(0), ViewTargetList.Read(r.GetString(1))), cancellationToken),
        (await ReadRowsAsync(reader, ReadFunction, cancellationToken)).Where(f => f.IsCallable).ToList(),
        (await ReadRowsAsync(reader, r => Sql.Ident.Quote(r.GetString(0)) + "." + Sql.Ident.Quote(r.GetString(1)), cancellationToken)).FirstOrDefault(),
        await ReadRowsAsync(
            reader,
            r => new ComputedFunction(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetBoolean(6)),
            cancellationToken));

    /// <summary>The rows of the current result, then on to the next result.</summary>
    private static async Task<List<T>> ReadRowsAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> row, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(row(reader));
        }

        await reader.NextResultAsync(cancellationToken);
        return rows;
    }

    /// <summary>
    /// Joins the catalog's rows into the model: each exposed relation with its columns and keys, keys carried
    /// through views (<see cref="ViewKeys"/>), computed fields and relationships.
    /// </summary>
    private static SchemaModel ToModel(IReadOnlyList<string> schemas, Catalog catalog)
    {
        var columns = catalog.Columns.GroupBy(c => c.Table).ToDictionary(g => g.Key, g => g.Select(c => c.Column).ToList());
        var keys = catalog.Keys.GroupBy(k => k.Table).ToDictionary(
            g => g.Key,
            g => (Pk: g.Where(k => k.Primary).SelectMany(k => k.Columns).ToList(), Unique: g.Select(k => (IReadOnlyList<string>)k.Columns).ToList()));
        var views = new Dictionary<uint, IReadOnlyList<ViewColumnOrigin>>();
        foreach (var (oid, origins) in catalog.Views)
        {
            views[oid] = origins;
        }

        var exposed = catalog.Relations.ToDictionary(r => r.Oid, r =>
        {
            var k = keys.GetValueOrDefault((r.Schema, r.Name));
            return new DbTable(
                r.Schema, r.Name, r.Kind, r.Insertable,
                columns.GetValueOrDefault((r.Schema, r.Name)) ?? [],
                k.Pk ?? [],
                k.Unique ?? []);
        });
        var (foreignKeys, viewPrimaryKeys) = ViewKeys.Derive(exposed, views, catalog.ForeignKeys, catalog.PrimaryKeys);
        var tables = catalog.Relations
            .Select(r => viewPrimaryKeys.TryGetValue(r.Oid, out var pk)
                ? exposed[r.Oid] with { PrimaryKey = pk, UniqueKeys = [pk] }
                : exposed[r.Oid])
            .Select(t => WithComputedFields(t, catalog.Computed))
            .ToList();
        var computedRelationships = catalog.Computed
            .Where(c => c.Target is not null)
            .Select(c => new DbComputedRelationship(c.Schema, c.Function, c.TableSchema, c.Table, c.TargetSchema!, c.Target!, c.ToOne))
            .ToList();
        return new SchemaModel(schemas, tables, foreignKeys, catalog.Functions, catalog.GeoJson, computedRelationships);
    }

    /// <summary>
    /// Functions of a relation's row that return a value rather than rows: its computed fields. As PostgREST's
    /// search path would, a function of the relation's own schema wins over one of <c>public</c>.
    /// </summary>
    private static DbTable WithComputedFields(
        DbTable table, List<ComputedFunction> computed)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in computed
                     .Where(c => c.Target is null && c.TableSchema == table.Schema && c.Table == table.Name && (c.Schema == table.Schema || c.Schema == "public"))
                     .OrderBy(c => c.Schema == table.Schema ? 0 : 1))
        {
            fields.TryAdd(c.Function, Sql.Ident.Quote(c.Schema) + "." + Sql.Ident.Quote(c.Function));
        }

        return fields.Count == 0 ? table : table with { ComputedFields = fields };
    }

    private static DbFunction ReadFunction(NpgsqlDataReader reader)
    {
        var names = reader.GetFieldValue<string[]>(2);
        var types = reader.GetFieldValue<string[]>(3);
        var defaults = reader.GetInt32(4);
        // proargmodes is null when every argument is IN: then none is VARIADIC.
        var variadic = reader.IsDBNull(14) ? [] : reader.GetFieldValue<bool?[]>(14);
        var args = names.Select((name, i) => new DbFunctionArg(
            name, types[i], i >= names.Length - defaults, i < variadic.Length && variadic[i] == true)).ToList();
        var resultNames = reader.GetFieldValue<string[]>(12);
        var resultTypes = reader.GetFieldValue<string[]>(13);
        return new DbFunction(
            reader.GetString(0), reader.GetString(1), args, reader.GetString(5), reader.GetBoolean(6),
            reader.GetBoolean(8), reader.GetBoolean(9), reader.GetString(7)[0],
            reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
            [.. resultNames.Select((name, i) => new DbColumn(name, resultTypes[i], true, null, i + 1))]);
    }
}
