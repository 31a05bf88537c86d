using System.Text;

namespace MadBase.Worker.Rest.Planning;

/// <summary>
/// The close-name suggestions of PostgREST's error hints ("Perhaps you meant the table 'public.books'"), scored
/// as its Haskell <c>fuzzyset</c> (0.2) does, so the same name is suggested: an exact match ignoring case wins;
/// otherwise candidates sharing character trigrams (then bigrams) of the lowercased alphanumeric name, enclosed
/// in '-', are ranked by cosine similarity, the best 50 re-scored by normalized Levenshtein similarity, and
/// those scoring at least 0.33 kept, best first.
/// </summary>
internal static class FuzzyNames
{
    private const double MinScore = 0.33;

    /// <summary>The best candidate, or null when none is close enough.</summary>
    public static string? Closest(IEnumerable<string> candidates, string name) =>
        Ranked(candidates, name).Select(m => m.Name).FirstOrDefault();

    /// <summary>Every candidate close enough, best first, with its score (1 for an exact match ignoring case).</summary>
    public static List<(double Score, string Name)> Ranked(IEnumerable<string> candidates, string name)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            byKey.TryAdd(candidate.ToLowerInvariant(), candidate);
        }

        var key = name.ToLowerInvariant();
        if (byKey.TryGetValue(key, out var exact))
        {
            return [(1, exact)];
        }

        foreach (var gramSize in new[] { 3, 2 })
        {
            var query = Grams(key, gramSize);
            var queryNorm = Norm(query);
            var scored = new List<(double Score, string Key)>();
            foreach (var entry in byKey.Keys)
            {
                var grams = Grams(entry, gramSize);
                var dot = query.Sum(g => grams.TryGetValue(g.Key, out var count) ? g.Value * count : 0);
                if (dot > 0)
                {
                    scored.Add((dot / (queryNorm * Norm(grams)), entry));
                }
            }

            var matches = scored
                .OrderByDescending(s => s.Score)
                .Take(50)
                .Select(s => (Score: LevenshteinSimilarity(key, s.Key), s.Key))
                .OrderByDescending(s => s.Score)
                .Where(s => s.Score >= MinScore)
                .Select(s => (s.Score, byKey[s.Key]))
                .ToList();
            if (matches.Count > 0)
            {
                return matches;
            }
        }

        return [];
    }

    private static Dictionary<string, int> Grams(string value, int size)
    {
        var normalized = new StringBuilder("-");
        foreach (var c in value.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || c == ',')
            {
                normalized.Append(c);
            }
        }

        var text = normalized.Append('-').ToString();
        var grams = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + size <= text.Length; i++)
        {
            var gram = text.Substring(i, size);
            grams[gram] = grams.GetValueOrDefault(gram) + 1;
        }

        return grams;
    }

    private static double Norm(Dictionary<string, int> grams) => Math.Sqrt(grams.Values.Sum(c => (double)c * c));

    private static double LevenshteinSimilarity(string a, string b)
    {
        var longest = Math.Max(a.Length, b.Length);
        return longest == 0 ? 1 : 1 - ((double)Distance(a, b) / longest);
    }

    /// <summary>The Levenshtein distance (insert, delete and substitute all cost 1).</summary>
    public static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
