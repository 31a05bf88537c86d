namespace MadBase.Worker.Rest.Planning;

/// <summary>
/// The 42703 PostgREST passes on from Postgres when a request names a column its relation lacks: the message
/// names the relation as PostgREST's query aliases it (<c>column books_1.titel does not exist</c>), and the hint
/// is the one Postgres's errorMissingColumn computes (parse_relation.c): the closest column by Levenshtein
/// distance over the relations in scope, the relation named by the reference first (other relations pay the
/// distance between their alias and the one referenced), at most 3 edits and at most half the name.
/// </summary>
internal static class MissingColumn
{
    private const int MaxFuzzyDistance = 3;

    /// <summary>One relation in scope: its alias and its columns in attribute order.</summary>
    public sealed record Scope(string Alias, IReadOnlyList<string> Columns);

    public static RestException Error(string alias, string column, IEnumerable<Scope> scopes)
    {
        var hint = Hint(alias, column, scopes);
        return new RestException(StatusCodes.Status400BadRequest, "42703", $"column {alias}.{column} does not exist", null, hint);
    }

    private static string? Hint(string alias, string column, IEnumerable<Scope> scopes)
    {
        var distance = MaxFuzzyDistance + 1;
        (string Alias, string Column)? first = null;
        (string Alias, string Column)? second = null;
        foreach (var scope in scopes)
        {
            var penalty = Math.Min(FuzzyNames.Distance(alias, scope.Alias), MaxFuzzyDistance + 1);
            foreach (var actual in scope.Columns)
            {
                if (penalty > distance)
                {
                    break;
                }

                var columnDistance = FuzzyNames.Distance(actual, column);
                if (columnDistance > column.Length / 2)
                {
                    continue;
                }

                columnDistance += penalty;
                if (columnDistance < distance)
                {
                    distance = columnDistance;
                    first = (scope.Alias, actual);
                    second = null;
                }
                else if (columnDistance == distance)
                {
                    if (second is not null)
                    {
                        // Three equally close columns: none is suggested, and a later one must be closer.
                        first = null;
                        second = null;
                        distance--;
                    }
                    else if (first is not null)
                    {
                        second = (scope.Alias, actual);
                    }
                    else if (distance <= MaxFuzzyDistance)
                    {
                        first = (scope.Alias, actual);
                    }
                }
            }
        }

        return (first, second) switch
        {
            ({ } a, { } b) => $"Perhaps you meant to reference the column \"{a.Alias}.{a.Column}\" or the column \"{b.Alias}.{b.Column}\".",
            ({ } a, null) => $"Perhaps you meant to reference the column \"{a.Alias}.{a.Column}\".",
            _ => null,
        };
    }
}
