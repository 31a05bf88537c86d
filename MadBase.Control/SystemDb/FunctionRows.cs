namespace MadBase.Control.SystemDb;

/// <summary>
/// A row of <c>madbase.functions</c>: a project's Edge Function and the version it serves. Workers read this
/// table and <c>madbase.function_versions</c> with their own SQL (<c>FunctionCatalog</c> in the Worker), so the
/// columns are a contract, changed only with a migration those readers follow.
/// </summary>
internal sealed class FunctionRow
{
    public required string ProjectRef { get; set; }

    public required string Slug { get; set; }

    /// <summary>Whether a request needs a valid JWT of the project (Supabase's default, on).</summary>
    public bool VerifyJwt { get; set; }

    /// <summary>The version served; switching it is the deploy, so a deploy is one row update.</summary>
    public int Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One deployed bundle of a function (a gzipped tar of its folder). Old versions stay for the requests still
/// running on them and for a look back; <c>FunctionStore</c> keeps the last few.
/// </summary>
internal sealed class FunctionVersionRow
{
    public required string ProjectRef { get; set; }

    public required string Slug { get; set; }

    public int Version { get; set; }

    public required byte[] Bundle { get; set; }

    /// <summary>The SHA-256 of <see cref="Bundle"/>, hex: what a worker names its extracted copy by.</summary>
    public required string Sha256 { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A per-project secret, given to that project's functions as an environment variable.</summary>
internal sealed class FunctionSecretRow
{
    public required string ProjectRef { get; set; }

    public required string Name { get; set; }

    public required string Value { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
