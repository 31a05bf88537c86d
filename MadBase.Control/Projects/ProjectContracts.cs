using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.Projects;

/// <summary>A row of <c>GET /admin/v1/projects</c>.</summary>
internal sealed record ProjectSummary(string Ref, string Name, string DbName, DateTimeOffset CreatedAt);

/// <summary>
/// One project with its keys and effective settings (stored values over defaults). The local-stack CLI
/// reads <c>anon_key</c>, <c>service_role_key</c> and <c>db_name</c> from it: keep those names. Signing
/// keys appear as metadata only: their public halves are in the project's JWKS, their private halves nowhere.
/// </summary>
internal sealed record ProjectDetails(
    string Ref,
    string Name,
    string DbName,
    string AnonKey,
    string ServiceRoleKey,
    string JwtSecret,
    IReadOnlyList<SigningKeySummary> SigningKeys,
    ProjectSettings Settings,
    DateTimeOffset CreatedAt)
{
    public static ProjectDetails From(Project project) => new(
        project.Ref,
        project.Name,
        project.DatabaseName,
        project.AnonKey,
        project.ServiceRoleKey,
        project.JwtSecret,
        [.. project.SigningKeys.Select(k => new SigningKeySummary(
            k.Kid, k.Algorithm, Status(k), k.CreatedAt, k.RetiredAt, k.VerifyUntil))],
        project.Settings with { Auth = ProviderSecrets.Masked(project.Settings.Auth) },
        project.CreatedAt);

    /// <summary>Imported keys that do not sign are in the JWKS to verify tokens their issuer signs: "imported", not "previous".</summary>
    private static string Status(SigningKey key) =>
        key.RetiredAt is null ? "current" : key.Imported && key.VerifyUntil is null ? "imported" : "previous";
}

/// <summary>A signing key as the admin API shows it: no key material.</summary>
internal sealed record SigningKeySummary(
    string Kid, string Algorithm, string Status, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? VerifyUntil);

/// <summary>
/// What a new project is made from, validated; a null secret means "generate one", a null database URL "a new database
/// in the system cluster".
/// </summary>
internal sealed record NewProject(string Ref, string Name, string? JwtSecret, JsonObject Settings, string? DatabaseUrl = null);

/// <summary>Unknown fields are refused: a misspelt <c>jwt_secret</c> must not silently become a generated one.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateProjectRequest(string? Name, string? Ref, string? JwtSecret, JsonObject? Settings, string? DatabaseUrl)
{
    public const string Expected =
        "an object with name (string) and optionally ref (string), jwt_secret (string), settings (object), database_url (string)";

    public NewProject Validate() => new(
        Ref is null ? ProjectRefs.New() : ProjectInput.Ref(Ref),
        ProjectInput.Name(Name) ?? throw AdminException.BadRequest("name is required"),
        JwtSecret is null ? null : ProjectInput.JwtSecret(JwtSecret),
        Settings ?? [],
        DatabaseUrl is null ? null : ExternalDatabaseUrl.Parse(DatabaseUrl));
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record UpdateProjectRequest(string? Name, JsonObject? Settings)
{
    public const string Expected = "an object with name (string) and/or settings (object)";
}

internal static class ProjectInput
{
    public const int MinJwtSecretLength = 32;
    private const int MaxNameLength = 256;

    public static string Ref(string value) => ProjectRefs.IsValid(value)
        ? value
        : throw AdminException.BadRequest("ref must be 3 to 40 lowercase letters and digits, starting with a letter");

    /// <summary>The trimmed name, or null when none was given.</summary>
    public static string? Name(string? value) => value?.Trim() switch
    {
        null => null,
        "" => throw AdminException.BadRequest("name must not be empty"),
        { Length: > MaxNameLength } => throw AdminException.BadRequest($"name must be at most {MaxNameLength} characters"),
        var name => name,
    };

    public static string JwtSecret(string value) => value.Length >= MinJwtSecretLength
        ? value
        : throw AdminException.BadRequest($"jwt_secret must be at least {MinJwtSecretLength} characters");
}
