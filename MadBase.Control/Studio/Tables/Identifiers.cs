namespace MadBase.Control.Studio.Tables;

/// <summary>Identifier quoting as <c>quote_ident</c> does it; only ever applied to names read from the catalog or checked by <see cref="IsPlain"/>.</summary>
internal static class Identifiers
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A new name: a letter or underscore, then letters, digits and underscores, at most 63 bytes (NAMEDATALEN - 1).</summary>
    public static bool IsPlain(string? name) =>
        name is { Length: > 0 and <= 63 } && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
