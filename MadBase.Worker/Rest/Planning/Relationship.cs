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
/// junction table for many-to-many (parent↔junction pairs, then junction↔child pairs), or, for a computed
/// relationship, the function that returns the child's rows for the parent's row (<see cref="Computed"/>).
/// </summary>
internal sealed record Relationship(
    Cardinality Cardinality,
    DbTable Target,
    DbForeignKey? Key,
    IReadOnlyList<(string Parent, string Child)> Pairs,
    DbTable? Junction,
    DbForeignKey? TargetKey,
    IReadOnlyList<(string Junction, string Child)> JunctionPairs,
    DbComputedRelationship? Computed = null)
{
    public bool ToOne => Computed?.ToOne ?? Cardinality is Cardinality.ManyToOne or Cardinality.OneToOne;

    /// <summary>A foreign key of a relation to itself (PostgREST's relIsSelf), which has its own naming rules.</summary>
    public bool IsSelf { get; init; }

    /// <summary>The constraint PostgREST names a relationship by: the key, or for many-to-many the junction's key to the parent.</summary>
    public string ConstraintName => Key?.Name ?? string.Empty;
}

/// <summary>
/// Finds the relationship an embed names, as PostgREST's Plan.hs findRel does: first every relationship of the
/// parent within its schema (many-to-one, one-to-many, one-to-one, many-to-many through a junction whose
/// primary key holds both keys, computed relationships), then those the embed's name and hint select. Either
/// side may be a view: the schema cache carries keys through views (<see cref="SchemaCache.ViewKeys"/>).
/// </summary>
internal static class RelationshipFinder
{
    public static Relationship Find(SchemaModel schema, DbTable parent, string name, string? hint)
    {
        var all = All(schema, parent);
        var candidates = all.Where(r => Selects(r, name, hint)).ToList();
        if (candidates.Count == 0)
        {
            throw new RestException(
                StatusCodes.Status400BadRequest, "PGRST200",
                $"Could not find a relationship between '{parent.Name}' and '{name}' in the schema cache",
                $"Searched for a foreign key relationship between '{parent.Name}' and '{name}'{(hint is null ? string.Empty : $" using the hint '{hint}'")} in the schema '{parent.Schema}', but no matches were found.",
                NoRelationshipHint(schema, parent, name, all));
        }

        if (candidates.Count > 1)
        {
            throw new RestException(
                StatusCodes.Status300MultipleChoices, "PGRST201",
                $"Could not embed because more than one relationship was found for '{parent.Name}' and '{name}'",
                null,
                $"Try changing '{name}' to one of the following: {string.Join(", ", candidates.Select(c => $"'{c.Target.Name}!{c.Junction?.Name ?? c.ConstraintName}'"))}. Find the desired relationship in the 'details' key.")
            {
                DetailsJson = new JsonArray([.. candidates.Select(c => Describe(parent, c))]),
            };
        }

        return candidates[0];
    }

    /// <summary>Every relationship from <paramref name="parent"/> to a relation of its schema, in PostgREST's order.</summary>
    public static List<Relationship> All(SchemaModel schema, DbTable parent)
    {
        var found = Direct(schema, parent);
        found.AddRange(ManyToMany(schema, parent));

        // A computed relationship replaces the detected ones to the relation it is named after (PostgREST lets it override them).
        foreach (var computed in schema.ComputedRelationships.Where(c =>
                     c.TableSchema == parent.Schema && c.Table == parent.Name && c.Schema == parent.Schema))
        {
            if (schema.Table(computed.TargetSchema, computed.Target) is { } target)
            {
                found.RemoveAll(r => r.Computed is null && r.Target.Schema == computed.Schema && r.Target.Name == computed.Function);
                found.Add(new Relationship(
                    computed.ToOne ? Cardinality.ManyToOne : Cardinality.OneToMany, target, null, [], null, null, [], computed)
                { IsSelf = target.Schema == parent.Schema && target.Name == parent.Name });
            }
        }

        found.Sort(Compare);
        return found;
    }

    /// <summary>The foreign keys from and to <paramref name="parent"/>: many-to-one (or one-to-one) and one-to-many.</summary>
    private static List<Relationship> Direct(SchemaModel schema, DbTable parent)
    {
        var found = new List<Relationship>();
        foreach (var fk in schema.ForeignKeys)
        {
            var isSelf = fk.FromSchema == fk.ToSchema && fk.FromTable == fk.ToTable;
            if (fk.FromSchema == parent.Schema && fk.FromTable == parent.Name && fk.ToSchema == parent.Schema
                && schema.Table(fk.ToSchema, fk.ToTable) is { } target)
            {
                found.Add(new Relationship(
                    fk.OneToOne ? Cardinality.OneToOne : Cardinality.ManyToOne, target, fk,
                    [.. fk.Columns.Zip(fk.RefColumns)], null, null, [])
                { IsSelf = isSelf });
            }

            if (fk.ToSchema == parent.Schema && fk.ToTable == parent.Name && fk.FromSchema == parent.Schema
                && schema.Table(fk.FromSchema, fk.FromTable) is { } child)
            {
                found.Add(new Relationship(
                    fk.OneToOne ? Cardinality.OneToOne : Cardinality.OneToMany, child, fk,
                    [.. fk.RefColumns.Zip(fk.Columns)], null, null, [])
                { IsSelf = isSelf });
            }
        }

        return found;
    }

    /// <summary>Many-to-many: a junction (table or view) whose primary key holds a many-to-one key to each side.</summary>
    private static IEnumerable<Relationship> ManyToMany(SchemaModel schema, DbTable parent)
    {
        foreach (var toParent in schema.ForeignKeys.Where(f => f.ToSchema == parent.Schema && f.ToTable == parent.Name && !f.OneToOne))
        {
            var junction = schema.Table(toParent.FromSchema, toParent.FromTable);
            if (junction is null || !toParent.Columns.All(junction.PrimaryKey.Contains))
            {
                continue;
            }

            foreach (var toTarget in schema.ForeignKeys.Where(f =>
                         f.FromSchema == junction.Schema && f.FromTable == junction.Name && f.Name != toParent.Name && !f.OneToOne
                         && f.ToSchema == parent.Schema && f.Columns.All(junction.PrimaryKey.Contains)))
            {
                if (schema.Table(toTarget.ToSchema, toTarget.ToTable) is { } target)
                {
                    yield return new Relationship(
                        Cardinality.ManyToMany, target, toParent, [.. toParent.RefColumns.Zip(toParent.Columns)],
                        junction, toTarget, [.. toTarget.Columns.Zip(toTarget.RefColumns)])
                    { IsSelf = target.Schema == parent.Schema && target.Name == parent.Name };
                }
            }
        }
    }

    /// <summary>Whether an embed <c>name!hint</c> selects the relationship: PostgREST's findRel predicate.</summary>
    private static bool Selects(Relationship r, string name, string? hint)
    {
        if (r.Computed is { } computed)
        {
            return computed.Function == name;
        }

        var singleColumn = r.Junction is null && r.Pairs.Count == 1;
        var ownColumn = singleColumn ? r.Pairs[0].Parent : null;
        var targetColumn = singleColumn ? r.Pairs[0].Child : null;
        var isToParent = r.Cardinality is Cardinality.ManyToOne;
        var isToChildren = r.Cardinality is Cardinality.OneToMany;
        if (r.IsSelf)
        {
            // A key of a table to itself: its name embeds the children; its column, or the name with the column as
            // hint, the parent (family_tree?select=parent(*),children:family_tree!parent(*)).
            return hint is null
                ? (r.Target.Name == name && isToChildren) || (ownColumn == name && isToParent)
                : r.Target.Name == name && isToChildren && targetColumn == hint;
        }

        if (hint is null)
        {
            // The target relation; or, when it is a table, the key's constraint or single column (PostgREST #2277).
            return r.Target.Name == name
                   || (!r.Target.IsView && r.Junction is null && (r.ConstraintName == name || ownColumn == name));
        }

        return r.Target.Name == name
               && (r.Junction is { } junction
                   ? junction.Name == hint
                   : r.ConstraintName == hint || ownColumn == hint || targetColumn == hint);
    }

    /// <summary>PostgREST's fuzzy hint: a close parent name when the parent has no relationships here, else a close target name.</summary>
    private static string? NoRelationshipHint(SchemaModel schema, DbTable parent, string name, List<Relationship> all)
    {
        if (all.Count > 0)
        {
            var child = FuzzyNames.Ranked(all.Select(r => r.Target.Name), name).FirstOrDefault(m => m.Score < 1.0).Name;
            return child is null ? null : $"Perhaps you meant '{child}' instead of '{name}'.";
        }

        var origins = schema.ForeignKeys.Where(f => f.ToSchema == parent.Schema).Select(f => f.FromTable)
            .Concat(schema.ForeignKeys.Where(f => f.FromSchema == parent.Schema).Select(f => f.ToTable))
            .Concat(schema.ComputedRelationships.Where(c => c.Schema == parent.Schema).Select(c => c.Table));
        var suggestion = FuzzyNames.Closest(origins.Distinct(StringComparer.Ordinal), parent.Name);
        return suggestion is null ? null : $"Perhaps you meant '{suggestion}' instead of '{parent.Name}'.";
    }

    /// <summary>PostgREST sorts a relation's relationships (derived Ord): by target, then kind (O2M, M2O, O2O, M2M), then key.</summary>
    private static int Compare(Relationship a, Relationship b)
    {
        static int Rank(Relationship r) => r.Computed is not null ? 4 : r.Cardinality switch
        {
            Cardinality.OneToMany => 0,
            Cardinality.ManyToOne => 1,
            Cardinality.OneToOne => 2,
            _ => 3,
        };

        var order = string.CompareOrdinal(a.Target.Schema, b.Target.Schema);
        order = order != 0 ? order : string.CompareOrdinal(a.Target.Name, b.Target.Name);
        order = order != 0 ? order : a.IsSelf.CompareTo(b.IsSelf);
        order = order != 0 ? order : Rank(a).CompareTo(Rank(b));
        order = order != 0 ? order : string.CompareOrdinal(a.Junction?.Name ?? string.Empty, b.Junction?.Name ?? string.Empty);
        order = order != 0 ? order : string.CompareOrdinal(a.ConstraintName, b.ConstraintName);
        order = order != 0 ? order : string.CompareOrdinal(a.TargetKey?.Name ?? string.Empty, b.TargetKey?.Name ?? string.Empty);
        return order != 0 ? order : string.CompareOrdinal(
            string.Join(",", a.Pairs.Select(p => p.Parent + "=" + p.Child)), string.Join(",", b.Pairs.Select(p => p.Parent + "=" + p.Child)));
    }

    /// <summary>One entry of PGRST201's details, worded as PostgREST's compressedRel.</summary>
    private static JsonObject Describe(DbTable parent, Relationship r)
    {
        static string Columns(IEnumerable<string> names) => "(" + string.Join(", ", names) + ")";
        var (cardinality, relationship) = r.Cardinality switch
        {
            Cardinality.ManyToMany => ("many-to-many",
                $"{r.Junction!.Name} using {r.ConstraintName}{Columns(r.Key!.Columns)} and {r.TargetKey!.Name}{Columns(r.TargetKey.Columns)}"),
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
            $"{rel.ConstraintName} using {parent.Name}{Columns(rel.Pairs.Select(p => p.Parent))} and {rel.Target.Name}{Columns(rel.Pairs.Select(p => p.Child))}";
    }
}
