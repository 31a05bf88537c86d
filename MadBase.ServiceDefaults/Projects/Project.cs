using MadBase.ServiceDefaults.Security;

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
    /// <summary>The project's asymmetric keys: the current one (if it signs with RS256/ES256) and retired ones still verifying.</summary>
    public IReadOnlyList<SigningKey> SigningKeys { get; init; } = [];

    /// <summary>The project's publishable and secret keys (Supabase's new API keys); revoked ones are removed.</summary>
    public IReadOnlyList<ProjectApiKey> ApiKeys { get; init; } = [];

    /// <summary>
    /// The key access tokens are signed with, or null for HS256 with <see cref="JwtSecret"/>. Control keeps a
    /// current key of the configured algorithm; should one be missing, signing falls back to HS256 rather than fail.
    /// </summary>
    public SigningKey? CurrentSigningKey
    {
        get
        {
            var algorithm = Settings.Auth.JwtSigning.Algorithm;
            return SigningAlgorithms.IsAsymmetric(algorithm)
                ? SigningKeys.FirstOrDefault(k => k.RetiredAt is null && k.Algorithm == algorithm && k.PrivateKey is not null)
                : null;
        }
    }

    /// <summary>The login role that may <c>SET ROLE</c> to anon, authenticated and service_role, and nothing else.</summary>
    public string AuthenticatorRole => Ref + "_authenticator";

    /// <summary>
    /// The logical replication slot Realtime streams the project's changes from (at most 57 characters of
    /// the 63 Postgres allows); it exists only while the project has subscribers, and is dropped with the project.
    /// </summary>
    public string RealtimeSlot => "madbase_realtime_" + Ref;
}
