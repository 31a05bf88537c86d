namespace MadBase.ServiceDefaults.Projects;

/// <summary>A tenant, as the system database stores it.</summary>
/// <param name="DatabaseUrl">An external admin connection string; null when the database lives in the system cluster.</param>
/// <param name="AuthenticatorPassword">Password of the project's login role, the only role the Worker connects as.</param>
public sealed record Project(
    string Ref,
    string Name,
    string DatabaseName,
    string? DatabaseUrl,
    string JwtSecret,
    string AnonKey,
    string ServiceRoleKey,
    string AuthenticatorPassword,
    ProjectSettings Settings,
    DateTimeOffset CreatedAt)
{
    /// <summary>The login role that may <c>SET ROLE</c> to anon, authenticated and service_role, and nothing else.</summary>
    public string AuthenticatorRole => Ref + "_authenticator";
}
