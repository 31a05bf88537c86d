using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using Npgsql;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// The environment a project's function gets, as Supabase provides it: the project's URL and keys, a database
/// URL, and the project's secrets. The database URL logs in as the project's own login role (which may become
/// anon, authenticated or service_role), never the cluster's superuser, which could reach other projects.
/// </summary>
internal sealed class FunctionEnvironment(FunctionCatalog catalog, SystemDatabase system)
{
    public async Task<Dictionary<string, string>> BuildAsync(Project project, CancellationToken cancellationToken)
    {
        var environment = await catalog.ReadSecretsAsync(project.Ref, cancellationToken);
        environment["SUPABASE_URL"] = PublicUrl(project);
        environment["SUPABASE_ANON_KEY"] = project.AnonKey;
        environment["SUPABASE_SERVICE_ROLE_KEY"] = project.ServiceRoleKey;
        environment["SUPABASE_DB_URL"] = DatabaseUrl(project);
        return environment;
    }

    /// <summary>The gateway's URL for the project: the Auth external URL without its <c>/auth/v1</c>.</summary>
    private static string PublicUrl(Project project)
    {
        var auth = project.Settings.Auth.ApiExternalUrl.TrimEnd('/');
        return auth.EndsWith("/auth/v1", StringComparison.Ordinal) ? auth[..^"/auth/v1".Length] : auth;
    }

    private string DatabaseUrl(Project project)
    {
        var connection = new NpgsqlConnectionStringBuilder(TenantConnections.Authenticator(project, system.ConnectionString, 1));
        var url = new UriBuilder("postgresql", connection.Host, connection.Port, Uri.EscapeDataString(connection.Database ?? project.DatabaseName))
        {
            UserName = Uri.EscapeDataString(connection.Username ?? project.AuthenticatorRole),
            Password = Uri.EscapeDataString(connection.Password ?? string.Empty),
        };
        return url.Uri.AbsoluteUri;
    }
}
