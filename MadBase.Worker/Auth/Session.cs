using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>A row of auth.sessions with its authentication methods (auth.mfa_amr_claims), as GoTrue's models.Session.</summary>
internal sealed record Session(Guid Id, Guid UserId, DateTimeOffset? NotAfter)
{
    public static async Task<Session> CreateAsync(
        RlsTransaction tx, Guid userId, string method, DateTimeOffset now, HttpContext? context, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using var command = tx.CreateCommand("""
            WITH created AS (
                INSERT INTO auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip)
                VALUES ($1, $2, $3, $3, 'aal1', $4, $5, $6::inet)
                RETURNING id)
            INSERT INTO auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
            SELECT gen_random_uuid(), created.id, $3, $3, $7 FROM created
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(NpgsqlDbType.Timestamp, DateTime.SpecifyKind(now.UtcDateTime, DateTimeKind.Unspecified));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)context?.Request.Headers.UserAgent.ToString() ?? DBNull.Value);
        var ip = context is null ? string.Empty : ClientIp.Of(context);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, ip.Length == 0 ? DBNull.Value : ip);
        command.Parameters.AddWithValue(method);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new Session(id, userId, null);
    }

    public static async Task<Session?> FindAsync(RlsTransaction tx, Guid id, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(
            "SELECT id, user_id, not_after FROM auth.sessions WHERE id = $1" + (forUpdate ? " FOR UPDATE" : string.Empty));
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new Session(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>The amr claim: each method with the unix time it was used, newest first (GoTrue's AMR ordering).</summary>
    public async Task<List<Dictionary<string, object>>> AmrAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(
            "SELECT authentication_method, created_at FROM auth.mfa_amr_claims WHERE session_id = $1 ORDER BY created_at DESC");
        command.Parameters.AddWithValue(Id);
        var amr = new List<Dictionary<string, object>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            amr.Add(new Dictionary<string, object>
            {
                ["method"] = reader.GetString(0),
                ["timestamp"] = reader.GetFieldValue<DateTimeOffset>(1).ToUnixTimeSeconds(),
            });
        }

        return amr;
    }

    public async Task TouchAsync(RlsTransaction tx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("UPDATE auth.sessions SET refreshed_at = $2, updated_at = $3 WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        command.Parameters.AddWithValue(NpgsqlDbType.Timestamp, DateTime.SpecifyKind(now.UtcDateTime, DateTimeKind.Unspecified));
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<bool> ExistsAsync(RlsTransaction tx, Guid id, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT EXISTS (SELECT 1 FROM auth.sessions WHERE id = $1)");
        command.Parameters.AddWithValue(id);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Logout scopes (GoTrue's logout.go): local = this session, others = all but this one, global = all.</summary>
    public static async Task<int> DeleteAsync(RlsTransaction tx, Guid userId, Guid? sessionId, string scope, CancellationToken cancellationToken)
    {
        var sql = scope switch
        {
            "local" => "DELETE FROM auth.sessions WHERE user_id = $1 AND id = $2",
            "others" => "DELETE FROM auth.sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
            _ => "DELETE FROM auth.sessions WHERE user_id = $1",
        };
        await using var command = tx.CreateCommand(sql);
        command.Parameters.AddWithValue(userId);
        if (scope is "local" or "others")
        {
            command.Parameters.AddWithValue(NpgsqlDbType.Uuid, sessionId.HasValue ? sessionId.Value : DBNull.Value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
