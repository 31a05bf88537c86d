using System.Text.Json.Nodes;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.SystemDb;

/// <summary>
/// A row of <c>madbase.projects</c> as Control writes it. The gateway and workers read the same table with
/// their own SQL (<c>ProjectRows</c> in ServiceDefaults), so its columns are a contract: change them only with a
/// migration those readers follow. Secrets sit here in clear because services need them to sign and to connect;
/// access to this database is the boundary.
/// </summary>
internal sealed class ProjectRow
{
    public required string Ref { get; set; }

    public required string Name { get; set; }

    public required string DbName { get; set; }

    /// <summary>An external admin connection string; null when the database lives in the system cluster.</summary>
    public string? DbUrl { get; set; }

    public required string JwtSecret { get; set; }

    public required string AnonKey { get; set; }

    public required string ServiceRoleKey { get; set; }

    public required string AuthenticatorPassword { get; set; }

    /// <summary>The stored settings document (jsonb, an object): only what differs from the defaults.</summary>
    public required string Settings { get; set; }

    /// <summary>The project's asymmetric signing keys (jsonb, an array), private halves included.</summary>
    public required string SigningKeys { get; set; }

    /// <summary>The project's publishable and secret keys (jsonb, an array): hashes, never a secret key itself.</summary>
    public string ApiKeys { get; set; } = "[]";

    /// <summary>Set by the database on insert (<c>now()</c>), as before EF.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Postgres's <c>xmin</c>: the row version that makes concurrent updates retry instead of losing each other's changes.</summary>
    public uint Version { get; set; }

    public static ProjectRow From(Project project, JsonObject settings) => new()
    {
        Ref = project.Ref,
        Name = project.Name,
        DbName = project.DatabaseName,
        DbUrl = project.DatabaseUrl,
        JwtSecret = project.JwtSecret,
        AnonKey = project.AnonKey,
        ServiceRoleKey = project.ServiceRoleKey,
        AuthenticatorPassword = project.AuthenticatorPassword,
        Settings = settings.ToJsonString(),
        SigningKeys = SigningKey.ToJson(project.SigningKeys),
        ApiKeys = ProjectApiKey.ToJson(project.ApiKeys),
    };

    /// <summary>The same <see cref="Project"/> the gateway and workers read from this row (<c>ProjectRows</c>).</summary>
    public Project ToProject() => new(
        Ref, Name, DbName, DbUrl, JwtSecret, AnonKey, ServiceRoleKey, AuthenticatorPassword, ProjectSettings.Parse(Settings), CreatedAt)
    {
        SigningKeys = SigningKey.ParseList(SigningKeys),
        ApiKeys = ProjectApiKey.ParseList(ApiKeys),
    };
}
