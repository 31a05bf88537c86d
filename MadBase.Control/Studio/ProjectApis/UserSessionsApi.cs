using MadBase.Control.Admin;
using Npgsql;

namespace MadBase.Control.Studio.ProjectApis;

/// <summary>
/// <c>GET /studio/api/projects/{ref}/users/{id}/sessions</c>: a user's sessions, newest first. GoTrue's admin API
/// has no such route (its user object carries the identities), so this is one query as the database's owner.
/// </summary>
internal static class UserSessionsApi
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private const string Query = """
        SELECT id, created_at, updated_at, refreshed_at, not_after, aal::text, user_agent, host(ip)
        FROM auth.sessions
        WHERE user_id = $1
        ORDER BY created_at DESC NULLS LAST
        LIMIT 100
        """;

    internal sealed record UserSession(
        Guid Id, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, DateTime? RefreshedAt, DateTimeOffset? NotAfter,
        string? Aal, string? UserAgent, string? Ip);

    public static RouteGroupBuilder MapUserSessionsApi(this RouteGroupBuilder project)
    {
        project.MapGet("/users/{userId}/sessions", ListAsync);
        return project;
    }

    private static async Task<IResult> ListAsync(
        string projectRef, string userId, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(userId, out var id))
        {
            throw AdminException.BadRequest("the user id must be a UUID");
        }

        await using var connection = await db.OpenAsync(projectRef, Timeout, cancellationToken);
        var sessions = new List<UserSession>();
        try
        {
            await using var command = new NpgsqlCommand(Query, connection);
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sessions.Add(new UserSession(
                    reader.GetGuid(0),
                    reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetDateTime(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // The project has not served an auth request yet: no auth schema, so no sessions.
        }

        return TypedResults.Ok(sessions);
    }
}
