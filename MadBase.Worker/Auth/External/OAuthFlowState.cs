using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>
/// An OAuth flow in auth.flow_state (GoTrue's FlowState since migration 20260115000000): its id is the
/// <c>state</c> the provider sends back, so a forged or replayed state finds no usable row. A PKCE flow
/// carries its challenge and, once the provider answered, the user and the code the client exchanges.
/// A SAML sign-in's flow is the same row with authentication method <c>sso/saml</c> (GoTrue's models.SSOSAML).
/// </summary>
internal sealed record OAuthFlowState(Guid Id, string Provider, string? Referrer, Guid? LinkingTargetId, bool IsPkce, Guid? UserId, DateTimeOffset CreatedAt)
{
    /// <summary>How long the user has at the provider (GoTrue's flow state expiry).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public const string AuthenticationMethod = "oauth";

    public static async Task<Guid> CreateAsync(
        RlsTransaction tx, string provider, PkceChallenge? pkce, string referrer, Guid? linkingTargetId, DateTimeOffset now, CancellationToken cancellationToken,
        string authenticationMethod = AuthenticationMethod)
    {
        var id = Guid.NewGuid();
        await using var command = tx.CreateCommand("""
            INSERT INTO auth.flow_state (id, auth_code, code_challenge_method, code_challenge, provider_type, authentication_method,
                referrer, linking_target_id, created_at, updated_at)
            VALUES ($1, CASE WHEN $3::text IS NULL THEN NULL ELSE gen_random_uuid()::text END, $2::auth.code_challenge_method, $3, $4, $5, $6, $7, $8, $8)
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)pkce?.Method ?? DBNull.Value);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)pkce?.Challenge ?? DBNull.Value);
        command.Parameters.AddWithValue(provider);
        command.Parameters.AddWithValue(authenticationMethod);
        command.Parameters.AddWithValue(referrer);
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, linkingTargetId.HasValue ? linkingTargetId.Value : DBNull.Value);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>The flow of that state; <paramref name="forUpdate"/> locks it for the callback that ends it.</summary>
    public static async Task<OAuthFlowState?> FindAsync(
        RlsTransaction tx, Guid id, bool forUpdate, CancellationToken cancellationToken, string authenticationMethod = AuthenticationMethod)
    {
        await using var command = tx.CreateCommand("""
            SELECT id, provider_type, referrer, linking_target_id, code_challenge IS NOT NULL, user_id, created_at
            FROM auth.flow_state WHERE id = $1 AND authentication_method = $2
            """ + (forUpdate ? " FOR UPDATE" : string.Empty));
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(authenticationMethod);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new OAuthFlowState(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetGuid(3),
            reader.GetBoolean(4),
            reader.IsDBNull(5) ? null : reader.GetGuid(5),
            reader.GetFieldValue<DateTimeOffset>(6));
    }

    public bool IsExpired(DateTimeOffset now) => CreatedAt + Lifetime < now;

    /// <summary>PKCE: the flow now names its user and hands out its code; implicit: the flow is spent.</summary>
    public async Task<string?> CompleteAsync(RlsTransaction tx, Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(IsPkce
            ? "UPDATE auth.flow_state SET user_id = $2, auth_code_issued_at = $3, updated_at = $3 WHERE id = $1 RETURNING auth_code"
            : "DELETE FROM auth.flow_state WHERE id = $1 RETURNING NULL::text");
        command.Parameters.AddWithValue(Id);
        if (IsPkce)
        {
            command.Parameters.AddWithValue(userId);
            command.Parameters.AddWithValue(now);
        }

        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public static async Task DeleteAsync(RlsTransaction tx, Guid id, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("DELETE FROM auth.flow_state WHERE id = $1");
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
