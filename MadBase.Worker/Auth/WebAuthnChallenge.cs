using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>
/// A pending passkey ceremony (GoTrue's auth.webauthn_challenges): the options sent to the browser, kept
/// server-side until the answer comes back. Consuming deletes it, so a challenge is answered at most once,
/// whether the answer then verifies or not.
/// </summary>
internal static class WebAuthnChallenge
{
    public const string Registration = "registration";
    public const string Authentication = "authentication";

    /// <summary>Stores a new challenge; ones abandoned for an hour past their expiry go with it.</summary>
    public static async Task<Guid> InsertAsync(
        RlsTransaction tx, Guid? userId, string type, string optionsJson, DateTimeOffset expiresAt, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using var command = tx.CreateCommand("""
            WITH abandoned AS (DELETE FROM auth.webauthn_challenges WHERE expires_at < $5 - interval '1 hour')
            INSERT INTO auth.webauthn_challenges (id, user_id, challenge_type, session_data, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)userId ?? DBNull.Value);
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, optionsJson);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(expiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>
    /// GoTrue's ConsumeWebAuthnChallengeByID: deletes the challenge of this type (and this user, or none for a
    /// sign-in) and returns its options and expiry; null when there is no such challenge.
    /// </summary>
    public static async Task<(string OptionsJson, DateTimeOffset ExpiresAt)?> ConsumeAsync(
        RlsTransaction tx, Guid id, string type, Guid? userId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            DELETE FROM auth.webauthn_challenges
            WHERE id = $1 AND challenge_type = $2 AND user_id IS NOT DISTINCT FROM $3
            RETURNING session_data::text, expires_at
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, (object?)userId ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }
}
