namespace MadBase.Worker.Rest.SchemaCache;

/// <summary>A foreign key constraint as the catalog stores it: relation oids and column numbers.</summary>
internal sealed record CatalogForeignKey(string Name, uint Table, IReadOnlyList<int> Columns, uint RefTable, IReadOnlyList<int> RefColumns, bool OneToOne);

/// <summary>A primary key constraint: relation oid and column numbers in key order.</summary>
internal sealed record CatalogPrimaryKey(uint Table, IReadOnlyList<int> Columns);

/// <summary>
/// Carries keys through views, as PostgREST's schema cache does (SchemaCache.hs: view key dependencies,
/// addViewPrimaryKeys, addViewM2OAndO2ORels): a view that passes through all columns of a primary key gets
/// that key, and a foreign key joins every pair of relations, tables or views, that expose its referencing
/// and referenced columns. A view column repeated under two names yields a key per name.
/// </summary>
internal static class ViewKeys
{
    // Views of views of views…: deeper chains are not followed (and a cycle cannot hang the load).
    private const int MaxViewDepth = 32;

    // Columns exposed under many names multiply candidate keys; beyond this a relation adds no more.
    private const int MaxCombinations = 64;

    public static (List<DbForeignKey> ForeignKeys, Dictionary<uint, List<string>> ViewPrimaryKeys) Derive(
        IReadOnlyDictionary<uint, DbTable> exposed,
        IReadOnlyDictionary<uint, IReadOnlyList<ViewColumnOrigin>> views,
        IReadOnlyList<CatalogForeignKey> foreignKeys,
        IReadOnlyList<CatalogPrimaryKey> primaryKeys)
    {
        var origins = views.ToDictionary(v => v.Key, v => v.Value.ToDictionary(o => o.Column));
        var exposures = new Dictionary<uint, Dictionary<(uint Table, int Column), List<string>>>();
        foreach (var (oid, view) in exposed.Where(e => e.Value.IsView))
        {
            var map = new Dictionary<(uint, int), List<string>>();
            foreach (var column in view.Columns)
            {
                if (Trace(origins, oid, column.Position) is { } source)
                {
                    if (!map.TryGetValue(source, out var names))
                    {
                        map[source] = names = [];
                    }

                    names.Add(column.Name);
                }
            }

            exposures[oid] = map;
        }

        var keys = new List<DbForeignKey>();
        foreach (var fk in foreignKeys)
        {
            foreach (var (from, columns) in Endpoints(exposed, exposures, fk.Table, fk.Columns))
            {
                foreach (var (to, refColumns) in Endpoints(exposed, exposures, fk.RefTable, fk.RefColumns))
                {
                    keys.Add(new DbForeignKey(fk.Name, from.Schema, from.Name, columns, to.Schema, to.Name, refColumns, fk.OneToOne));
                }
            }
        }

        var viewPrimaryKeys = new Dictionary<uint, List<string>>();
        foreach (var (view, map) in exposures)
        {
            // As PostgREST: each fully exposed primary key adds its columns (first name of each), in key order.
            var key = primaryKeys
                .Where(pk => pk.Columns.All(c => map.ContainsKey((pk.Table, c))))
                .OrderBy(pk => pk.Table)
                .SelectMany(pk => pk.Columns.Select(c => map[(pk.Table, c)][0]))
                .ToList();
            if (key.Count > 0)
            {
                viewPrimaryKeys[view] = key;
            }
        }

        return (keys, viewPrimaryKeys);
    }

    /// <summary>The table column a view column is a plain reference to, through views of views; null when computed.</summary>
    private static (uint, int)? Trace(Dictionary<uint, Dictionary<int, ViewColumnOrigin>> origins, uint relation, int column)
    {
        for (var depth = 0; depth < MaxViewDepth; depth++)
        {
            if (!origins.TryGetValue(relation, out var columns))
            {
                return (relation, column);
            }

            if (!columns.TryGetValue(column, out var origin) || origin.OriginTable == 0)
            {
                return null;
            }

            (relation, column) = (origin.OriginTable, origin.OriginColumn);
        }

        return null;
    }

    /// <summary>The exposed relations that carry all of <paramref name="columns"/> of a table: itself, and views over it.</summary>
    private static IEnumerable<(DbTable Relation, IReadOnlyList<string> Columns)> Endpoints(
        IReadOnlyDictionary<uint, DbTable> exposed,
        Dictionary<uint, Dictionary<(uint Table, int Column), List<string>>> exposures,
        uint table,
        IReadOnlyList<int> columns)
    {
        if (exposed.TryGetValue(table, out var own) && !own.IsView)
        {
            var names = columns.Select(c => own.Columns.FirstOrDefault(x => x.Position == c)?.Name).ToList();
            if (names.All(n => n is not null))
            {
                yield return (own, names!);
            }
        }

        foreach (var (view, map) in exposures)
        {
            var choices = columns.Select(c => map.GetValueOrDefault((table, c))).ToList();
            if (choices.Any(c => c is null))
            {
                continue;
            }

            foreach (var combination in Combinations(choices!).Take(MaxCombinations))
            {
                yield return (exposed[view], combination);
            }
        }
    }

    private static IEnumerable<IReadOnlyList<string>> Combinations(IReadOnlyList<List<string>> choices)
    {
        IEnumerable<IReadOnlyList<string>> result = [[]];
        foreach (var options in choices)
        {
            result = result.SelectMany(prefix => options.Select(option => (IReadOnlyList<string>)[.. prefix, option]));
        }

        return result;
    }
}
