using MadBase.Control.Admin;
using MadBase.Control.Projects;
using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Projects;
using Npgsql;

namespace MadBase.Control.Studio;

/// <summary>
/// A connection to a project's database as its owner (the cluster role that created it, or the external
/// URL's user), for the table and SQL editors. Unpooled, like migrations: editor traffic is light, and a
/// session setting a user's SQL changes must not reach the next caller.
/// </summary>
internal sealed record OwnerConnectionServices(ProjectStore Store, SystemDatabase System)
{
    public async Task<NpgsqlConnection> OpenAsync(string projectRef, TimeSpan statementTimeout, CancellationToken cancellationToken)
    {
        var project = await Store.FindAsync(projectRef, cancellationToken) ?? throw AdminException.NotFound("project not found");
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TenantConnections.Admin(project, System.ConnectionString))
        {
            ApplicationName = "madbase-studio:" + project.Ref,
            // The editors show constraint details ("Key (id)=(1) already exists.") to the admin, who owns the data.
            IncludeErrorDetail = true,
            Options = $"-c statement_timeout={(int)statementTimeout.TotalMilliseconds}",
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

internal static class EditorErrors
{
    /// <summary>
    /// Errors the editor's own input caused (bad value for a type, a violated constraint, a query
    /// cancelled by its timeout) are the caller's 400 with Postgres's message, which quotes only that input.
    /// </summary>
    public static AdminException? FromPostgres(PostgresException e) => e.SqlState[..2] switch
    {
        "22" or "23" or "42" or "57" when e.SqlState != PostgresErrorCodes.AdminShutdown =>
            AdminException.BadRequest(e.Detail is { Length: > 0 } detail ? $"{e.MessageText} ({detail})" : e.MessageText),
        _ => null,
    };
}
