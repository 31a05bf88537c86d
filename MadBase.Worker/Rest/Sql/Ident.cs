namespace MadBase.Worker.Rest.Sql;

/// <summary>Quoting for names that come from the schema cache (never from request text).</summary>
internal static class Ident
{
    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A string literal of a catalog name, for <c>jsonb ? 'col'</c>.</summary>
    public static string Literal(string name) => "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
}
