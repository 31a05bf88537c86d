using System.Globalization;

namespace MadBase.Worker.Rest.Parsing;

internal enum ReturnPreference
{
    Minimal,
    HeadersOnly,
    Representation,
}

internal enum CountPreference
{
    None,
    Exact,
    Planned,
    Estimated,
}

internal enum Resolution
{
    None,
    MergeDuplicates,
    IgnoreDuplicates,
}

/// <summary>The <c>Prefer</c> header (RFC 7240) as PostgREST reads it (ApiRequest/Preferences.hs).</summary>
internal sealed record Preferences
{
    public ReturnPreference? Return { get; init; }

    public CountPreference Count { get; init; }

    public Resolution Resolution { get; init; }

    public bool MissingDefault { get; init; }

    public bool Strict { get; init; }

    public bool Rollback { get; init; }

    public long? MaxAffected { get; init; }

    /// <summary>What the response's Preference-Applied header lists.</summary>
    public List<string> Applied { get; } = [];

    public static Preferences Parse(IEnumerable<string?> headers)
    {
        var result = new Preferences();
        var applied = new List<string>();
        foreach (var header in headers)
        {
            if (string.IsNullOrEmpty(header))
            {
                continue;
            }

            foreach (var raw in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var preference = raw.Replace(" ", string.Empty, StringComparison.Ordinal);
                var known = true;
                switch (preference)
                {
                    case "return=minimal": result = result with { Return = ReturnPreference.Minimal }; break;
                    case "return=headers-only": result = result with { Return = ReturnPreference.HeadersOnly }; break;
                    case "return=representation": result = result with { Return = ReturnPreference.Representation }; break;
                    case "count=exact": result = result with { Count = CountPreference.Exact }; break;
                    case "count=planned": result = result with { Count = CountPreference.Planned }; break;
                    case "count=estimated": result = result with { Count = CountPreference.Estimated }; break;
                    case "resolution=merge-duplicates": result = result with { Resolution = Resolution.MergeDuplicates }; break;
                    case "resolution=ignore-duplicates": result = result with { Resolution = Resolution.IgnoreDuplicates }; break;
                    case "missing=default": result = result with { MissingDefault = true }; break;
                    case "missing=null": break;
                    case "handling=strict": result = result with { Strict = true }; break;
                    case "handling=lenient": break;
                    case "tx=rollback": result = result with { Rollback = true }; break;
                    case "tx=commit": break;
                    default:
                        if (preference.StartsWith("max-affected=", StringComparison.Ordinal)
                            && long.TryParse(preference.AsSpan(13), NumberStyles.None, CultureInfo.InvariantCulture, out var max))
                        {
                            result = result with { MaxAffected = max };
                        }
                        else
                        {
                            known = false;
                        }

                        break;
                }

                if (known)
                {
                    applied.Add(preference);
                }
                else if (result.Strict)
                {
                    throw new RestException(StatusCodes.Status400BadRequest, "PGRST122", "Invalid preferences given with handling=strict", $"Invalid preferences: {preference}");
                }
            }
        }

        result.Applied.AddRange(applied);
        return result;
    }
}
