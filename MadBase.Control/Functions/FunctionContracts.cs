using MadBase.Control.SystemDb;

namespace MadBase.Control.Functions;

/// <summary>A function as the admin API shows it (never its code: that is the bundle the caller uploaded).</summary>
internal sealed record FunctionDetails(
    string Slug, int Version, bool VerifyJwt, string Sha256, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static FunctionDetails From(FunctionRow row, string sha256) =>
        new(row.Slug, row.Version, row.VerifyJwt, sha256, row.CreatedAt, row.UpdatedAt);
}

/// <summary>A secret as the admin API shows it: its name and a digest of its value, never the value (as <c>supabase secrets list</c>).</summary>
internal sealed record SecretSummary(string Name, string Digest, DateTimeOffset UpdatedAt);

internal sealed record SetSecretsRequest(List<SecretInput>? Secrets)
{
    public const string Expected = """{"secrets": [{"name": "NAME", "value": "..."}]}""";
}

internal sealed record SecretInput(string? Name, string? Value);
