using System.Net;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>
/// A row of auth.mfa_factors, with its GoTrue JSON (models/factor.go) built by Postgres; the static methods own
/// the SQL of the factor and of its challenges (auth.mfa_challenges).
/// </summary>
internal sealed record Factor(Guid Id, Guid UserId, string Type, string Status, string? FriendlyName, string? Secret, long? LastTotpStep, string Json)
{
    public const string Totp = "totp";
    public const string WebAuthn = "webauthn";

    /// <summary>
    /// A factor as GoTrue serializes it, for a row aliased <c>f</c>: friendly_name left out when empty, phone ""
    /// when null, last_challenged_at always there.
    /// </summary>
    public const string JsonOfRow = """
        (jsonb_build_object('id', f.id, 'created_at', f.created_at, 'updated_at', f.updated_at, 'status', f.status,
            'factor_type', f.factor_type, 'phone', coalesce(f.phone, ''), 'last_challenged_at', f.last_challenged_at)
         || CASE WHEN coalesce(f.friendly_name, '') <> '' THEN jsonb_build_object('friendly_name', f.friendly_name) ELSE '{}'::jsonb END)
        """;

    private const string Select = $"""
        SELECT f.id, f.user_id, f.factor_type::text, f.status::text, f.friendly_name, f.secret, f.last_totp_step, {JsonOfRow}::text
        FROM auth.mfa_factors f
        """;

    public bool IsVerified => Status == "verified";

    public static Task<List<Factor>> ListAsync(RlsTransaction tx, Guid userId, CancellationToken cancellationToken) =>
        QueryAsync(tx, Select + " WHERE f.user_id = $1 ORDER BY f.created_at", cancellationToken, userId);

    /// <summary>The user's factor (GoTrue's FindOwnedFactorByID), locked when it is to be verified or removed.</summary>
    public static async Task<Factor?> FindOwnedAsync(RlsTransaction tx, Guid userId, Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync(tx, Select + " WHERE f.user_id = $1 AND f.id = $2 FOR UPDATE", cancellationToken, userId, id)).FirstOrDefault();

    /// <summary>
    /// Unverified factors never challenged that outlived the expiry (GoTrue's DeleteExpiredFactors, here for one
    /// user: an abandoned enrollment no longer counts against the limits nor holds its name).
    /// </summary>
    public static Task DeleteExpiredAsync(RlsTransaction tx, Guid userId, int expirySeconds, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            DELETE FROM auth.mfa_factors f
            WHERE f.user_id = $1 AND f.status <> 'verified' AND f.created_at + make_interval(secs => $2) < $3
              AND NOT EXISTS (SELECT 1 FROM auth.mfa_challenges c WHERE c.factor_id = f.id)
            """, cancellationToken, userId, (double)expirySeconds, now);

    /// <summary>A new unverified factor; a TOTP one holds its <paramref name="secret"/>, a WebAuthn one its credential once verified.</summary>
    public static async Task<Factor> InsertAsync(
        RlsTransaction tx, Guid userId, string type, string friendlyName, string? secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(tx, """
            INSERT INTO auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
            VALUES ($1, $2, $3, $6::auth.factor_type, 'unverified', $4, $4, $5)
            """, cancellationToken, id, userId, friendlyName, now, (object?)secret ?? DBNull.Value, type);
        return (await QueryAsync(tx, Select + " WHERE f.id = $1", cancellationToken, id)).Single();
    }

    /// <summary>
    /// A new challenge from the client's address (GoTrue's CreateChallenge + WriteChallengeToDatabase); a WebAuthn
    /// factor's keeps the ceremony it started (<paramref name="webAuthnSessionData"/>).
    /// </summary>
    public async Task<Guid> CreateChallengeAsync(
        RlsTransaction tx, IPAddress ip, DateTimeOffset now, CancellationToken cancellationToken, string? webAuthnSessionData = null)
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(tx, """
            WITH challenged AS (UPDATE auth.mfa_factors SET last_challenged_at = $3 WHERE id = $2)
            INSERT INTO auth.mfa_challenges (id, factor_id, created_at, ip_address, web_authn_session_data) VALUES ($1, $2, $3, $4, $5::jsonb)
            """, cancellationToken, id, Id, now, ip, (object?)webAuthnSessionData ?? DBNull.Value);
        return id;
    }

    public async Task<Challenge?> FindChallengeAsync(RlsTransaction tx, Guid challengeId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            SELECT id, created_at, verified_at, ip_address, web_authn_session_data::text
            FROM auth.mfa_challenges WHERE id = $1 AND factor_id = $2 FOR UPDATE
            """);
        command.Parameters.AddWithValue(challengeId);
        command.Parameters.AddWithValue(Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Challenge(
                reader.GetGuid(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<IPAddress>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    public static Task DeleteChallengeAsync(RlsTransaction tx, Guid challengeId, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "DELETE FROM auth.mfa_challenges WHERE id = $1", cancellationToken, challengeId);

    /// <summary>The challenge is spent, the factor verified, and the code's step remembered so it is not accepted again.</summary>
    public Task MarkVerifiedAsync(RlsTransaction tx, Guid challengeId, long step, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            WITH spent AS (UPDATE auth.mfa_challenges SET verified_at = $3 WHERE id = $2)
            UPDATE auth.mfa_factors
            SET last_totp_step = $4,
                status = 'verified',
                updated_at = CASE WHEN status = 'verified' THEN updated_at ELSE $3 END
            WHERE id = $1
            """, cancellationToken, Id, challengeId, now, step);

    /// <summary>Once a factor is verified, the user's other unverified factors of its type go (GoTrue's DeleteUnverifiedFactors).</summary>
    public Task DeleteUnverifiedSiblingsAsync(RlsTransaction tx, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            DELETE FROM auth.mfa_factors WHERE user_id = $1 AND status = 'unverified' AND factor_type = $2::auth.factor_type
            """, cancellationToken, UserId, Type);

    /// <summary>
    /// Removes the factor and downgrades the sessions it raised to aal2 (GoTrue's DowngradeSessionsToAAL1): their
    /// amr loses the factor's method, so the next token they refresh says aal1.
    /// </summary>
    public Task DeleteAsync(RlsTransaction tx, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            WITH downgraded AS (
                UPDATE auth.sessions SET aal = 'aal1', factor_id = NULL WHERE user_id = $2 AND factor_id = $1 RETURNING id),
            unclaimed AS (
                DELETE FROM auth.mfa_amr_claims WHERE session_id IN (SELECT id FROM downgraded) AND authentication_method = $3)
            DELETE FROM auth.mfa_factors WHERE id = $1
            """, cancellationToken, Id, UserId, AuthenticatorAssurance.MethodOf(Type));

    public Task RenameAsync(RlsTransaction tx, string friendlyName, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "UPDATE auth.mfa_factors SET friendly_name = $2, updated_at = $3 WHERE id = $1", cancellationToken, Id, friendlyName, now);

    public async Task<Factor> ReloadAsync(RlsTransaction tx, CancellationToken cancellationToken) =>
        (await QueryAsync(tx, Select + " WHERE f.id = $1", cancellationToken, Id)).Single();

    private static async Task ExecuteAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<Factor>> QueryAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var factors = new List<Factor>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            factors.Add(new Factor(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.GetString(7)));
        }

        return factors;
    }
}

/// <summary>A row of auth.mfa_challenges.</summary>
internal sealed record Challenge(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset? VerifiedAt, IPAddress IpAddress, string? WebAuthnSessionData)
{
    public DateTimeOffset ExpiresAt(int expirySeconds) => CreatedAt.AddSeconds(expirySeconds);
}
