using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>A row of auth.sessions with its authentication methods (auth.mfa_amr_claims), as GoTrue's models.Session.</summary>
internal sealed record Session(Guid Id, Guid UserId, DateTimeOffset? NotAfter)
{
    /// <summary>A new session with its first authentication method; <paramref name="notAfter"/> ends it (a SAML SessionNotOnOrAfter).</summary>
    public static NpgsqlBatchCommand Insert(Guid id, Guid userId, string method, DateTimeOffset now, HttpContext? context, DateTimeOffset? notAfter = null)
    {
        var command = new NpgsqlBatchCommand("""
            WITH created AS (
                INSERT INTO auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip, not_after)
                VALUES ($1, $2, $3, $3, 'aal1', $4, $5, $6::inet, $8)
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
        command.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)notAfter ?? DBNull.Value);
        return command;
    }

    /// <summary>The session of a refresh token, locked (batched behind <see cref="RefreshToken.FindForUpdate"/>).</summary>
    public static NpgsqlBatchCommand FindForUpdateByToken(string refreshToken)
    {
        var command = new NpgsqlBatchCommand($"SELECT id, user_id, not_after FROM auth.sessions WHERE id = {RefreshToken.SessionOfToken} FOR UPDATE");
        command.Parameters.AddWithValue(refreshToken);
        return command;
    }

    public static async Task<Session?> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken)
            ? new Session(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2))
            : null;

    /// <summary>The amr claim's rows: each method with the time it was last used (updated_at, as GoTrue), newest first.</summary>
    public static NpgsqlBatchCommand Amr(Guid id) => AmrOf("$1", id);

    /// <summary>As <see cref="Amr"/>, for the session of a refresh token.</summary>
    public static NpgsqlBatchCommand AmrByToken(string refreshToken) => AmrOf(RefreshToken.SessionOfToken, refreshToken);

    public static async Task<List<Dictionary<string, object>>> ReadAmrAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var amr = new List<Dictionary<string, object>>();
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

    public NpgsqlBatchCommand Touch(DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("UPDATE auth.sessions SET refreshed_at = $2, updated_at = $3 WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        command.Parameters.AddWithValue(NpgsqlDbType.Timestamp, DateTime.SpecifyKind(now.UtcDateTime, DateTimeKind.Unspecified));
        command.Parameters.AddWithValue(now);
        return command;
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

    private static NpgsqlBatchCommand AmrOf(string session, object value)
    {
        var command = new NpgsqlBatchCommand(
            $"SELECT authentication_method, updated_at FROM auth.mfa_amr_claims WHERE session_id = {session} ORDER BY updated_at DESC");
        command.Parameters.AddWithValue(value);
        return command;
    }
}
