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
        var schemaArray = schemas.ToArray();
        await using var batch = new NpgsqlBatch(connection);
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

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var relations = new List<(string Schema, string Name, char Kind, bool Insertable, uint Oid)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            relations.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)[0], reader.GetBoolean(3), reader.GetFieldValue<uint>(4)));
        }

        var columns = new Dictionary<(string, string), List<DbColumn>>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!columns.TryGetValue(key, out var list))
            {
                columns[key] = list = [];
            }

            list.Add(new DbColumn(reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6))
            {
                BaseType = reader.GetString(7),
            });
        }

        var keys = new Dictionary<(string, string), (List<string> Pk, List<IReadOnlyList<string>> Unique)>();
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

        var catalogForeignKeys = new List<CatalogForeignKey>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            catalogForeignKeys.Add(new CatalogForeignKey(
                reader.GetString(0), reader.GetFieldValue<uint>(1), reader.GetFieldValue<int[]>(2),
                reader.GetFieldValue<uint>(3), reader.GetFieldValue<int[]>(4), reader.GetBoolean(5)));
        }

        var primaryKeys = new List<CatalogPrimaryKey>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            primaryKeys.Add(new CatalogPrimaryKey(reader.GetFieldValue<uint>(0), reader.GetFieldValue<int[]>(1)));
        }

        var views = new Dictionary<uint, IReadOnlyList<ViewColumnOrigin>>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            views[reader.GetFieldValue<uint>(0)] = ViewTargetList.Read(reader.GetString(1));
        }

        var functions = await ReadFunctionsAsync(reader, cancellationToken);

        string? geoJson = null;
        await reader.NextResultAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            geoJson = Sql.Ident.Quote(reader.GetString(0)) + "." + Sql.Ident.Quote(reader.GetString(1));
        }

        var computed = new List<(string Schema, string Function, string TableSchema, string Table, string? TargetSchema, string? Target, bool ToOne)>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            computed.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6)));
        }

        var exposed = relations.ToDictionary(r => r.Oid, r =>
        {
            var k = keys.GetValueOrDefault((r.Schema, r.Name));
            return new DbTable(
                r.Schema, r.Name, r.Kind, r.Insertable,
                columns.GetValueOrDefault((r.Schema, r.Name)) ?? [],
                k.Pk ?? [],
                k.Unique ?? []);
        });
        var (foreignKeys, viewPrimaryKeys) = ViewKeys.Derive(exposed, views, catalogForeignKeys, primaryKeys);
        var tables = relations
            .Select(r => viewPrimaryKeys.TryGetValue(r.Oid, out var pk)
                ? exposed[r.Oid] with { PrimaryKey = pk, UniqueKeys = [pk] }
                : exposed[r.Oid])
            .Select(t => WithComputedFields(t, computed))
            .ToList();
        var computedRelationships = computed
            .Where(c => c.Target is not null)
            .Select(c => new DbComputedRelationship(c.Schema, c.Function, c.TableSchema, c.Table, c.TargetSchema!, c.Target!, c.ToOne))
            .ToList();
        return new SchemaModel(schemas, tables, foreignKeys, functions, geoJson, computedRelationships);
    }

    /// <summary>
    /// Functions of a relation's row that return a value rather than rows: its computed fields. As PostgREST's
    /// search path would, a function of the relation's own schema wins over one of <c>public</c>.
    /// </summary>
    private static DbTable WithComputedFields(
        DbTable table, List<(string Schema, string Function, string TableSchema, string Table, string? TargetSchema, string? Target, bool ToOne)> computed)
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

    private static async Task<List<DbFunction>> ReadFunctionsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var functions = new List<DbFunction>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
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
            functions.Add(new DbFunction(
                reader.GetString(0), reader.GetString(1), args, reader.GetString(5), reader.GetBoolean(6),
                reader.GetBoolean(8), reader.GetBoolean(9), reader.GetString(7)[0],
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                [.. resultNames.Select((name, i) => new DbColumn(name, resultTypes[i], true, null, i + 1))]));
        }

        return functions;
    }
}
