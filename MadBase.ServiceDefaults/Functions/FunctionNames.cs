using System.Text.RegularExpressions;

namespace MadBase.ServiceDefaults.Functions;

/// <summary>
/// What a function's slug and a secret's name may be, checked where they come in (Control's admin API) and
/// where they are looked up (the worker's route), so neither ever carries path or shell syntax.
/// </summary>
public static partial class FunctionNames
{
    /// <summary>The names the platform sets itself; Supabase refuses secrets that start with this too.</summary>
    public const string ReservedSecretPrefix = "SUPABASE_";

    /// <summary>As the Supabase CLI allows: a letter, then letters, digits, '-' and '_'; at most 63.</summary>
    public static bool IsValidSlug(string? slug) => slug is { Length: > 0 and <= 63 } && Slug().IsMatch(slug);

    /// <summary>An environment variable name that is not the platform's own.</summary>
    public static bool IsValidSecretName(string? name) =>
        name is { Length: > 0 and <= 256 } && SecretName().IsMatch(name)
        && !name.StartsWith(ReservedSecretPrefix, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]*$")]
    private static partial Regex Slug();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SecretName();
}
