using System.Security.Cryptography;
using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>A row of auth.refresh_tokens: opaque 12-character tokens, each the child of the one it replaced.</summary>
internal sealed record RefreshToken(long Id, string Token, Guid UserId, bool Revoked, DateTimeOffset UpdatedAt, string? Parent, Guid? SessionId)
{
    private const string Columns = "id, token, user_id, coalesce(revoked, false), updated_at, nullif(parent, ''), session_id";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static async Task<RefreshToken> CreateAsync(
        RlsTransaction tx, Guid userId, Guid sessionId, string? parent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = RandomNumberGenerator.GetString(Alphabet, 12);
        await using var command = tx.CreateCommand($"""
            INSERT INTO auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
            VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, false, $3, $3, $4, $5)
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue(token);
        command.Parameters.AddWithValue(userId.ToString());
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(NpgsqlDbType.Varchar, (object?)parent ?? DBNull.Value);
        command.Parameters.AddWithValue(sessionId);
        return (await ReadAsync(command, cancellationToken))!;
    }

    public static async Task<RefreshToken?> FindForUpdateAsync(RlsTransaction tx, string token, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand($"SELECT {Columns} FROM auth.refresh_tokens WHERE token = $1 FOR UPDATE");
        command.Parameters.AddWithValue(token);
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>The session's newest unrevoked token (GoTrue's FindCurrentlyActiveRefreshToken).</summary>
    public static async Task<RefreshToken?> FindActiveAsync(RlsTransaction tx, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(
            $"SELECT {Columns} FROM auth.refresh_tokens WHERE session_id = $1 AND revoked = false ORDER BY id DESC LIMIT 1");
        command.Parameters.AddWithValue(sessionId);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task RevokeAsync(RlsTransaction tx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("UPDATE auth.refresh_tokens SET revoked = true, updated_at = $2 WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every token of the session: a replayed old token means the family may be stolen.</summary>
    public async Task RevokeFamilyAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("UPDATE auth.refresh_tokens SET revoked = true WHERE session_id = $1 AND revoked = false");
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, SessionId.HasValue ? SessionId.Value : DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<RefreshToken?> ReadAsync(Npgsql.NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
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
