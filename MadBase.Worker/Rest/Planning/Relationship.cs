using System.Text.Json.Nodes;
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

/// <summary>
/// Finds the foreign keys that join two relations of one schema, as PostgREST's Plan.hs findRel does. Either
/// side may be a view: the schema cache carries keys through views (<see cref="SchemaCache.ViewKeys"/>).
/// </summary>
internal static class RelationshipFinder
{
    public static Relationship Find(SchemaModel schema, DbTable parent, string name, string? hint)
    {
        var candidates = new List<Relationship>();
        foreach (var fk in schema.ForeignKeys)
        {
            // Many-to-one: the parent holds the key. The embed names the target, or, when the target is a table,
            // the key's constraint or single column (views are left out of those: PostgREST #2277).
            if (fk.FromSchema == parent.Schema && fk.FromTable == parent.Name && fk.ToSchema == parent.Schema
                && schema.Table(fk.ToSchema, fk.ToTable) is { } target
                && (fk.ToTable == name || hint is null && !target.IsView && (fk.Name == name || fk.Columns is [var column] && column == name)))
            {
                candidates.Add(new Relationship(
                    fk.OneToOne ? Cardinality.OneToOne : Cardinality.ManyToOne, target, fk,
                    [.. fk.Columns.Zip(fk.RefColumns)], null, null, []));
            }

            // One-to-many: the child holds the key.
            if (fk.ToSchema == parent.Schema && fk.ToTable == parent.Name && fk.FromSchema == parent.Schema
                && schema.Table(fk.FromSchema, fk.FromTable) is { } child
                && (fk.FromTable == name || hint is null && !child.IsView && fk.Name == name))
            {
                candidates.Add(new Relationship(
                    fk.OneToOne ? Cardinality.OneToOne : Cardinality.OneToMany, child, fk,
                    [.. fk.RefColumns.Zip(fk.Columns)], null, null, []));
            }
        }

        // Many-to-many: a junction (table or view) whose primary key holds a many-to-one key to each side.
        foreach (var toParent in schema.ForeignKeys.Where(f => f.ToSchema == parent.Schema && f.ToTable == parent.Name && !f.OneToOne))
        {
            var junction = schema.Table(toParent.FromSchema, toParent.FromTable);
            if (junction is null || !toParent.Columns.All(junction.PrimaryKey.Contains))
            {
                continue;
            }

            foreach (var toTarget in schema.ForeignKeys.Where(f =>
                         f.FromSchema == junction.Schema && f.FromTable == junction.Name && f.Name != toParent.Name && !f.OneToOne
                         && f.ToSchema == parent.Schema && f.ToTable == name && f.Columns.All(junction.PrimaryKey.Contains)))
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
            throw new RestException(
                StatusCodes.Status300MultipleChoices, "PGRST201",
                $"Could not embed because more than one relationship was found for '{parent.Name}' and '{name}'",
                null,
                $"Try changing '{name}' to one of the following: {string.Join(", ", candidates.Select(c => $"'{c.Target.Name}!{c.Junction?.Name ?? c.Key.Name}'"))}. Find the desired relationship in the 'details' key.")
            {
                DetailsJson = new JsonArray([.. candidates.Select(c => Describe(parent, c))]),
            };
        }

        return candidates[0];
    }

    /// <summary>With a hint, as PostgREST: the junction of a many-to-many, else the constraint or a single-column key's column.</summary>
    private static bool Matches(Relationship r, string hint) =>
        r.Junction is { } junction
            ? junction.Name == hint
            : r.Key.Name == hint || r.Key.Columns is [var column] && column == hint || r.Key.RefColumns is [var refColumn] && refColumn == hint;

    /// <summary>One entry of PGRST201's details, worded as PostgREST's compressedRel.</summary>
    private static JsonObject Describe(DbTable parent, Relationship r)
    {
        static string Columns(IEnumerable<string> names) => "(" + string.Join(", ", names) + ")";
        var (cardinality, relationship) = r.Cardinality switch
        {
            Cardinality.ManyToMany => ("many-to-many",
                $"{r.Junction!.Name} using {r.Key.Name}{Columns(r.Key.Columns)} and {r.TargetKey!.Name}{Columns(r.TargetKey.Columns)}"),
            Cardinality.ManyToOne => ("many-to-one", Pairs(r)),
            Cardinality.OneToOne => ("one-to-one", Pairs(r)),
            _ => ("one-to-many", Pairs(r)),
        };
        return new JsonObject
        {
            ["cardinality"] = cardinality,
            ["embedding"] = $"{parent.Name} with {r.Target.Name}",
            ["relationship"] = relationship,
        };

        string Pairs(Relationship rel) =>
            $"{rel.Key.Name} using {parent.Name}{Columns(rel.Pairs.Select(p => p.Parent))} and {rel.Target.Name}{Columns(rel.Pairs.Select(p => p.Child))}";
    }
}
