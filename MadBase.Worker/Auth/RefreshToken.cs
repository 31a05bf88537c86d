using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>
/// A row of auth.refresh_tokens: opaque 12-character tokens, each the child of the one it replaced. Its
/// statements are batch commands, so a token grant sends its reads, and then its writes, in one round trip.
/// </summary>
internal sealed record RefreshToken(long Id, string Token, Guid UserId, bool Revoked, DateTimeOffset UpdatedAt, string? Parent, Guid? SessionId)
{
    private const string Columns = "id, token, user_id, coalesce(revoked, false), updated_at, nullif(parent, ''), session_id";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>The session of a token, for statements batched behind the one that locks the token.</summary>
    public const string SessionOfToken = "(SELECT session_id FROM auth.refresh_tokens WHERE token = $1)";

    public static string NewToken() => RandomNumberGenerator.GetString(Alphabet, 12);

    public static NpgsqlBatchCommand Insert(string token, Guid userId, Guid sessionId, string? parent, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
            VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $3, $4, $5)
            """);
        command.Parameters.AddWithValue(token);
        command.Parameters.AddWithValue(userId.ToString());
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(NpgsqlDbType.Varchar, (object?)parent ?? DBNull.Value);
        command.Parameters.AddWithValue(sessionId);
        return command;
    }

    public static NpgsqlBatchCommand FindForUpdate(string token)
    {
        var command = new NpgsqlBatchCommand($"SELECT {Columns} FROM auth.refresh_tokens WHERE token = $1 FOR UPDATE");
        command.Parameters.AddWithValue(token);
        return command;
    }

    /// <summary>
    /// The newest unrevoked token of the given token's session (GoTrue's FindCurrentlyActiveRefreshToken),
    /// looked up only when the given token is itself revoked: the one case that needs it.
    /// </summary>
    public static NpgsqlBatchCommand FindActiveIfRevoked(string token)
    {
        var command = new NpgsqlBatchCommand($"""
            SELECT {Columns} FROM auth.refresh_tokens
            WHERE session_id = {SessionOfToken} AND revoked = false
              AND (SELECT coalesce(revoked, false) FROM auth.refresh_tokens WHERE token = $1)
            ORDER BY id DESC LIMIT 1
            """);
        command.Parameters.AddWithValue(token);
        return command;
    }

    public NpgsqlBatchCommand Revoke(DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("UPDATE auth.refresh_tokens SET revoked = true, updated_at = $2 WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        command.Parameters.AddWithValue(now);
        return command;
    }

    /// <summary>Every token of the session: a replayed old token means the family may be stolen.</summary>
    public NpgsqlBatchCommand RevokeFamily()
    {
        var command = new NpgsqlBatchCommand("UPDATE auth.refresh_tokens SET revoked = true WHERE session_id = $1 AND revoked = false");
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, SessionId.HasValue ? SessionId.Value : DBNull.Value);
        return command;
    }

    /// <summary>The first row of the reader's current result, if any.</summary>
    public static async Task<RefreshToken?> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new RefreshToken(
            reader.GetInt64(0),
            reader.GetString(1),
            Guid.TryParse(reader.IsDBNull(2) ? null : reader.GetString(2), out var userId) ? userId : Guid.Empty,
            reader.GetBoolean(3),
            reader.IsDBNull(4) ? DateTimeOffset.MinValue : reader.GetFieldValue<DateTimeOffset>(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetGuid(6));
    }
}
