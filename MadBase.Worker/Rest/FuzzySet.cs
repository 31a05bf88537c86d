namespace MadBase.Worker.Rest;

/// <summary>
/// The closest string to a misspelt one, as the fuzzyset library PostgREST's hints use (the fuzzyset.js
/// algorithm): cosine similarity of 3-grams then 2-grams, the best 50 rescored by Levenshtein distance, at
/// least 0.33 to count. An exact match (ignoring case) wins outright.
/// </summary>
internal sealed class FuzzySet
{
    private const int GramLower = 2;
    private const int GramUpper = 3;
    private const double MinScore = 0.33;

    private readonly List<string> values;

    public FuzzySet(IEnumerable<string> candidates) => values = candidates.Distinct(StringComparer.Ordinal).ToList();

    public string? Closest(string query)
    {
        var key = query.ToLowerInvariant();
        var exact = values.FirstOrDefault(v => v.ToLowerInvariant() == key);
        if (exact is not null)
        {
            return exact;
        }

        for (var size = GramUpper; size >= GramLower; size--)
        {
            var wanted = Grams(key, size);
            var wantedNorm = Math.Sqrt(wanted.Values.Sum(c => (double)c * c));
            var scored = new List<(double Score, string Value)>();
            foreach (var value in values)
            {
                var grams = Grams(value.ToLowerInvariant(), size);
                var dot = wanted.Sum(g => grams.TryGetValue(g.Key, out var c) ? (double)g.Value * c : 0);
                if (dot > 0)
                {
                    var norm = Math.Sqrt(grams.Values.Sum(c => (double)c * c));
                    scored.Add((dot / (wantedNorm * norm), value));
                }
            }

            var best = scored
                .OrderByDescending(s => s.Score).Take(50)
                .Select(s => (Score: Similarity(s.Value.ToLowerInvariant(), key), s.Value))
                .OrderByDescending(s => s.Score)
                .Where(s => s.Score >= MinScore)
                .Select(s => s.Value)
                .FirstOrDefault();
            if (best is not null)
            {
                return best;
            }
        }

        return null;
    }

    /// <summary>n-gram counts of the word characters (letters, digits, spaces and commas) between '-' marks.</summary>
    private static Dictionary<string, int> Grams(string text, int size)
    {
        var simplified = "-" + new string(text.Where(c => char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || c == ',').ToArray()) + "-";
        if (simplified.Length < size)
        {
            simplified = simplified.PadRight(size, '-');
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + size <= simplified.Length; i++)
        {
            var gram = simplified.Substring(i, size);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }

        return counts;
    }

    private static double Similarity(string a, string b) => 1 - ((double)Levenshtein(a, b) / Math.Max(a.Length, b.Length));

    private static int Levenshtein(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
