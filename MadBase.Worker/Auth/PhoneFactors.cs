using System.Net;
using System.Security.Cryptography;
using System.Text;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>
/// The SQL of phone factors (GoTrue's NewPhoneFactor, CreatePhoneChallenge): the number on the factor, and each
/// challenge's code kept hashed with the challenge's id, as the other OTPs are kept (GoTrue keeps it as sent, or
/// encrypted).
/// </summary>
internal static class PhoneFactors
{
    /// <summary>The user's factors for this number: their ids and whether any is verified.</summary>
    public static async Task<(List<Guid> Unverified, bool AnyVerified)> OfNumberAsync(
        RlsTransaction tx, Guid userId, string phone, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(
            "SELECT id, status = 'verified' FROM auth.mfa_factors WHERE user_id = $1 AND factor_type = 'phone' AND phone = $2 FOR UPDATE");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(phone);
        var unverified = new List<Guid>();
        var anyVerified = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetBoolean(1))
            {
                anyVerified = true;
            }
            else
            {
                unverified.Add(reader.GetGuid(0));
            }
        }

        return (unverified, anyVerified);
    }

    public static Task DeleteAsync(RlsTransaction tx, List<Guid> factorIds, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "DELETE FROM auth.mfa_factors WHERE id = ANY($1)", cancellationToken, factorIds.ToArray());

    public static async Task<Guid> InsertAsync(
        RlsTransaction tx, Guid userId, string friendlyName, string phone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(tx, """
            INSERT INTO auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, phone)
            VALUES ($1, $2, $3, 'phone', 'unverified', $4, $4, $5)
            """, cancellationToken, id, userId, friendlyName, now, phone);
        return id;
    }

    /// <summary>The factor's number and when it was last challenged.</summary>
    public static async Task<(string Phone, DateTimeOffset? LastChallengedAt)> NumberAsync(RlsTransaction tx, Guid factorId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT coalesce(phone, ''), last_challenged_at FROM auth.mfa_factors WHERE id = $1");
        command.Parameters.AddWithValue(factorId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1))
            : (string.Empty, null);
    }

    /// <summary>A challenge holding the hash of the code sent for it; the factor records the challenge's time.</summary>
    public static async Task<Guid> CreateChallengeAsync(
        RlsTransaction tx, Guid factorId, IPAddress ip, string code, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(tx, """
            WITH challenged AS (UPDATE auth.mfa_factors SET last_challenged_at = $3 WHERE id = $2)
            INSERT INTO auth.mfa_challenges (id, factor_id, created_at, ip_address, otp_code) VALUES ($1, $2, $3, $4, $5)
            """, cancellationToken, id, factorId, now, ip, Hash(id, code));
        return id;
    }

    public static async Task<bool> CodeMatchesAsync(RlsTransaction tx, Guid challengeId, string code, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT coalesce(otp_code, '') FROM auth.mfa_challenges WHERE id = $1");
        command.Parameters.AddWithValue(challengeId);
        var stored = (string?)await command.ExecuteScalarAsync(cancellationToken) ?? string.Empty;
        return stored.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Hash(challengeId, code)));
    }

    /// <summary>The challenge is spent and the factor verified.</summary>
    public static Task MarkVerifiedAsync(RlsTransaction tx, Guid factorId, Guid challengeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            WITH spent AS (UPDATE auth.mfa_challenges SET verified_at = $3 WHERE id = $2)
            UPDATE auth.mfa_factors SET status = 'verified', updated_at = CASE WHEN status = 'verified' THEN updated_at ELSE $3 END
            WHERE id = $1
            """, cancellationToken, factorId, challengeId, now);

    private static string Hash(Guid challengeId, string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(challengeId + code)));

    private static async Task ExecuteAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
