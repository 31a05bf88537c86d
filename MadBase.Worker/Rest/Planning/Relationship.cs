using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest.Planning;

internal enum Cardinality
{
    ManyToOne,
    OneToMany,
    OneToOne,
    ManyToMany,
}

/// <summary>
/// How a child relation joins its parent: column pairs (parent column, child column), or through a
/// junction table for many-to-many (parent↔junction pairs, then junction↔child pairs).
/// </summary>
internal sealed record Relationship(
    Cardinality Cardinality,
    DbTable Target,
    DbForeignKey Key,
    IReadOnlyList<(string Parent, string Child)> Pairs,
    DbTable? Junction,
    DbForeignKey? TargetKey,
    IReadOnlyList<(string Junction, string Child)> JunctionPairs)
{
    public bool ToOne => Cardinality is Cardinality.ManyToOne or Cardinality.OneToOne;
}

/// <summary>Finds the foreign keys that join two relations, as PostgREST's Plan.hs findRel does.</summary>
internal static class RelationshipFinder
{
    public static Relationship Find(SchemaModel schema, DbTable parent, string name, string? hint)
    {
        var candidates = new List<Relationship>();
        foreach (var fk in schema.ForeignKeys)
        {
            // Many-to-one: the parent holds the key. The embed may name the table, the key's column or the constraint.
            if (fk.FromSchema == parent.Schema && fk.FromTable == parent.Name)
            {
                var namesTarget = fk.ToTable == name || fk.Name == name || (fk.Columns.Count == 1 && fk.Columns[0] == name);
                if (namesTarget && schema.Table(fk.ToSchema, fk.ToTable) is { } target)
                {
                    var oneToOne = IsUnique(parent, fk.Columns);
                    candidates.Add(new Relationship(
                        oneToOne ? Cardinality.OneToOne : Cardinality.ManyToOne, target, fk,
                        [.. fk.Columns.Zip(fk.RefColumns)], null, null, []));
                }
            }

            // One-to-many: the child holds the key.
            if (fk.ToSchema == parent.Schema && fk.ToTable == parent.Name && (fk.FromTable == name || fk.Name == name)
                && schema.Table(fk.FromSchema, fk.FromTable) is { } child)
            {
                var oneToOne = IsUnique(child, fk.Columns);
                candidates.Add(new Relationship(
                    oneToOne ? Cardinality.OneToOne : Cardinality.OneToMany, child, fk,
                    [.. fk.RefColumns.Zip(fk.Columns)], null, null, []));
            }
        }

        // Many-to-many: a junction whose primary key holds a key to each side.
        foreach (var toParent in schema.ForeignKeys.Where(f => f.ToSchema == parent.Schema && f.ToTable == parent.Name))
        {
            var junction = schema.Table(toParent.FromSchema, toParent.FromTable);
            if (junction is null || !toParent.Columns.All(junction.PrimaryKey.Contains))
            {
                continue;
            }

            foreach (var toTarget in schema.ForeignKeys.Where(f =>
                         f.FromSchema == junction.Schema && f.FromTable == junction.Name && f != toParent && f.ToTable == name
                         && f.Columns.All(junction.PrimaryKey.Contains)))
            {
                if (schema.Table(toTarget.ToSchema, toTarget.ToTable) is { } target)
                {
                    candidates.Add(new Relationship(
                        Cardinality.ManyToMany, target, toParent, [.. toParent.RefColumns.Zip(toParent.Columns)],
                        junction, toTarget, [.. toTarget.Columns.Zip(toTarget.RefColumns)]));
                }
            }
        }

        if (hint is not null)
        {
            candidates = candidates.Where(r => Matches(r, hint)).ToList();
        }

        if (candidates.Count == 0)
        {
            throw new RestException(
                StatusCodes.Status400BadRequest, "PGRST200",
                $"Could not find a relationship between '{parent.Name}' and '{name}' in the schema cache",
                $"Searched for a foreign key relationship between '{parent.Name}' and '{name}'{(hint is null ? string.Empty : $" using the hint '{hint}'")} in the schema '{parent.Schema}', but no matches were found.",
                "Perhaps you meant a different relationship or the hint names a missing foreign key.");
        }

        if (candidates.Count > 1)
        {
            var details = string.Join("; ", candidates.Select(Describe));
            throw new RestException(
                StatusCodes.Status300MultipleChoices, "PGRST201",
                $"Could not embed because more than one relationship was found for '{parent.Name}' and '{name}'",
                details,
                $"Try changing '{name}' to one of the following: {string.Join(", ", candidates.Select(c => $"'{name}!{c.Junction?.Name ?? c.Key.Name}'"))}. Find the desired relationship in the 'details' key.");
        }

        return candidates[0];
    }

    private static bool Matches(Relationship r, string hint) =>
        r.Key.Name == hint
        || r.TargetKey?.Name == hint
        || r.Junction?.Name == hint
        || (r.Junction is null && (r.Key.Columns.Contains(hint) || r.Key.RefColumns.Contains(hint)));

    private static string Describe(Relationship r) =>
        $"{r.Cardinality} via {r.Junction?.Name ?? r.Key.Name}";

    private static bool IsUnique(DbTable table, IReadOnlyList<string> columns) =>
        table.UniqueKeys.Any(key => key.Count == columns.Count && key.All(columns.Contains));
}
