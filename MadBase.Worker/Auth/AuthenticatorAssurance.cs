using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// A session's authenticator assurance level, as GoTrue's Session.CalculateAALAndAMR: aal2 once its amr holds a
/// second factor's method (totp, mfa/phone, mfa/webauthn), else aal1. Every access token takes its aal from the
/// session's amr, so a refreshed token keeps the level the session reached, and loses it when the factor goes.
/// </summary>
internal static class AuthenticatorAssurance
{
    public const string Aal1 = "aal1";
    public const string Aal2 = "aal2";

    private static readonly string[] SecondFactorMethods = ["totp", "mfa/phone", "mfa/webauthn"];

    public static string Of(IEnumerable<Dictionary<string, object>> amr) =>
        amr.Any(entry => entry.TryGetValue("method", out var method) && SecondFactorMethods.Contains(method as string)) ? Aal2 : Aal1;

    /// <summary>The amr method a factor type stands for (GoTrue's amrMethodForFactorType).</summary>
    public static string MethodOf(string factorType) => factorType switch
    {
        "phone" => "mfa/phone",
        "webauthn" => "mfa/webauthn",
        _ => "totp",
    };

    /// <summary>The session's aal column (GoTrue's Session.IsAAL2 reads it).</summary>
    public static async Task<bool> IsAal2Async(RlsTransaction tx, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT aal::text FROM auth.sessions WHERE id = $1");
        command.Parameters.AddWithValue(sessionId);
        return await command.ExecuteScalarAsync(cancellationToken) as string == Aal2;
    }

    /// <summary>
    /// GoTrue's updateMFASessionAndClaims after a verified factor: the method joins the session's amr, the session
    /// becomes aal2 through <paramref name="factor"/>, its active refresh token is swapped for a child (so only
    /// the token from this answer carries the new level on), and the user's sessions still at aal1 end
    /// (InvalidateSessionsWithAALLessThan). Returns the new refresh token.
    /// </summary>
    public static async Task<string> RaiseAsync(
        RlsTransaction tx, Session session, Factor factor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? active;
        await using (var upgrade = tx.CreateCommand("""
            WITH claimed AS (
                INSERT INTO auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
                VALUES (gen_random_uuid(), $1, $3, $3, $4)
                ON CONFLICT ON CONSTRAINT mfa_amr_claims_session_id_authentication_method_pkey DO UPDATE SET updated_at = $3),
            raised AS (UPDATE auth.sessions SET aal = 'aal2', factor_id = $2, updated_at = $3 WHERE id = $1),
            ended AS (DELETE FROM auth.sessions WHERE user_id = $5 AND id <> $1 AND aal < 'aal2'),
            active AS (
                SELECT id, token FROM auth.refresh_tokens WHERE session_id = $1 AND revoked = false ORDER BY id DESC LIMIT 1 FOR UPDATE),
            revoked AS (UPDATE auth.refresh_tokens SET revoked = true, updated_at = $3 WHERE id IN (SELECT id FROM active))
            SELECT token FROM active
            """))
        {
            upgrade.Parameters.AddWithValue(session.Id);
            upgrade.Parameters.AddWithValue(factor.Id);
            upgrade.Parameters.AddWithValue(now);
            upgrade.Parameters.AddWithValue(MethodOf(factor.Type));
            upgrade.Parameters.AddWithValue(session.UserId);
            active = await upgrade.ExecuteScalarAsync(cancellationToken) as string;
        }

        // GoTrue's GrantRefreshTokenSwap needs the session's current token; a session without one cannot go on.
        var issued = active is null ? throw new AuthException(AuthErrors.RefreshTokenNotFound()) : RefreshToken.NewToken();
        tx.Add(RefreshToken.Insert(issued, session.UserId, session.Id, active, now));
        await tx.ExecuteAsync(cancellationToken);
        return issued;
    }
}
