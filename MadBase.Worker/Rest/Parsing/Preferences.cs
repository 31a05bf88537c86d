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

/// <summary>What a response answers, for the preferences it echoes in Preference-Applied (Response.hs).</summary>
internal enum PreferenceScope
{
    Read,
    Insert,
    Update,
    Upsert,
    Delete,
    Call,
}

/// <summary>
/// The <c>Prefer</c> header (RFC 7240) as PostgREST reads it (ApiRequest/Preferences.hs): comma-separated over
/// any number of headers, the first value of each preference wins, <c>tx=</c> counts only where the project
/// allows it, and with <c>handling=strict</c> any unknown preference (all of them listed) is a 400 PGRST122.
/// </summary>
internal sealed record Preferences
{
    public ReturnPreference? Return { get; init; }

    public CountPreference Count { get; init; }

    public Resolution Resolution { get; init; }

    public bool? MissingDefault { get; init; }

    public bool? Strict { get; init; }

    public bool? Rollback { get; init; }

    public bool SingleObject { get; init; }

    public long? MaxAffected { get; init; }

    public static Preferences Parse(IEnumerable<string?> headers, bool allowTx = true)
    {
        var result = new Preferences();
        var invalid = new List<string>();
        foreach (var header in headers)
        {
            if (string.IsNullOrEmpty(header))
            {
                continue;
            }

            foreach (var preference in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                result = preference switch
                {
                    "return=minimal" => result with { Return = result.Return ?? ReturnPreference.Minimal },
                    "return=headers-only" => result with { Return = result.Return ?? ReturnPreference.HeadersOnly },
                    "return=representation" => result with { Return = result.Return ?? ReturnPreference.Representation },
                    "count=exact" => result.Count == CountPreference.None ? result with { Count = CountPreference.Exact } : result,
                    "count=planned" => result.Count == CountPreference.None ? result with { Count = CountPreference.Planned } : result,
                    "count=estimated" => result.Count == CountPreference.None ? result with { Count = CountPreference.Estimated } : result,
                    "resolution=merge-duplicates" => result.Resolution == Resolution.None ? result with { Resolution = Resolution.MergeDuplicates } : result,
                    "resolution=ignore-duplicates" => result.Resolution == Resolution.None ? result with { Resolution = Resolution.IgnoreDuplicates } : result,
                    "missing=default" => result with { MissingDefault = result.MissingDefault ?? true },
                    "missing=null" => result with { MissingDefault = result.MissingDefault ?? false },
                    "handling=strict" => result with { Strict = result.Strict ?? true },
                    "handling=lenient" => result with { Strict = result.Strict ?? false },
                    "tx=rollback" => allowTx ? result with { Rollback = result.Rollback ?? true } : result,
                    "tx=commit" => allowTx ? result with { Rollback = result.Rollback ?? false } : result,
                    "params=single-object" => result with { SingleObject = true },
                    _ when preference.StartsWith("max-affected=", StringComparison.Ordinal) =>
                        long.TryParse(preference.AsSpan(13), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var max)
                            ? result with { MaxAffected = result.MaxAffected ?? max }
                            : result,
                    _ => Invalid(result, invalid, preference),
                };
            }
        }

        if (result.Strict == true && invalid.Count > 0)
        {
            throw new RestException(
                StatusCodes.Status400BadRequest, "PGRST122", "Invalid preferences given with handling=strict",
                "Invalid preferences: " + string.Join(", ", invalid));
        }

        return result;
    }

    private static Preferences Invalid(Preferences result, List<string> invalid, string preference)
    {
        invalid.Add(preference);
        return result;
    }

    /// <summary>
    /// Preference-Applied for a response: PostgREST's fixed order (resolution, missing, return, params, count,
    /// tx, handling, max-affected), and only what that kind of response honours; max-affected only when strict.
    /// </summary>
    public string? Applied(PreferenceScope scope, bool resolutionApplies)
    {
        var values = new List<string>();
        var write = scope is PreferenceScope.Insert or PreferenceScope.Update or PreferenceScope.Upsert or PreferenceScope.Delete;
        if (scope == PreferenceScope.Insert && resolutionApplies && Resolution != Resolution.None)
        {
            values.Add(Resolution == Resolution.MergeDuplicates ? "resolution=merge-duplicates" : "resolution=ignore-duplicates");
        }

        if (scope is PreferenceScope.Insert or PreferenceScope.Update && MissingDefault is { } missing)
        {
            values.Add(missing ? "missing=default" : "missing=null");
        }

        if (write && Return is { } returned)
        {
            values.Add(returned switch
            {
                ReturnPreference.Representation => "return=representation",
                ReturnPreference.HeadersOnly => "return=headers-only",
                _ => "return=minimal",
            });
        }

        if (scope == PreferenceScope.Call && SingleObject)
        {
            values.Add("params=single-object");
        }

        if (Count != CountPreference.None)
        {
            values.Add("count=" + Count.ToString().ToLowerInvariant());
        }

        if (Rollback is { } rollback)
        {
            values.Add(rollback ? "tx=rollback" : "tx=commit");
        }

        if (Strict is { } strict)
        {
            values.Add(strict ? "handling=strict" : "handling=lenient");
        }

        if (Strict == true && MaxAffected is { } max && scope is PreferenceScope.Update or PreferenceScope.Delete or PreferenceScope.Call)
        {
            values.Add("max-affected=" + max.ToString(CultureInfo.InvariantCulture));
        }

        return values.Count == 0 ? null : string.Join(", ", values);
    }
}
