using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>A row of auth.identities (GoTrue's models/identity.go); the static methods own the table's SQL.</summary>
internal sealed record Identity(Guid Id, Guid UserId, string Provider, string ProviderId)
{
    private const string Select = "SELECT id, user_id, provider, provider_id FROM auth.identities";

    public static Task<Identity?> FindAsync(RlsTransaction tx, string provider, string providerId, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + " WHERE provider = $1 AND provider_id = $2 FOR UPDATE", cancellationToken, provider, providerId);

    public static Task<Identity?> FindOfUserAsync(RlsTransaction tx, Guid userId, Guid id, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + " WHERE user_id = $1 AND id = $2 FOR UPDATE", cancellationToken, userId, id);

    /// <summary>Counted under the rows' locks, so two unlinks at once cannot both leave one identity.</summary>
    public static async Task<long> CountOfUserAsync(RlsTransaction tx, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT count(*) FROM (SELECT 1 FROM auth.identities WHERE user_id = $1 FOR UPDATE) locked");
        command.Parameters.AddWithValue(userId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task CreateAsync(
        RlsTransaction tx, Guid userId, string provider, string providerId, string identityDataJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            INSERT INTO auth.identities (id, provider_id, user_id, identity_data, provider, created_at, updated_at, last_sign_in_at)
            VALUES (gen_random_uuid(), $1, $2, $3::jsonb, $4, $5, $5, $5)
            """);
        command.Parameters.AddWithValue(providerId);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(identityDataJson);
        command.Parameters.AddWithValue(provider);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await RefreshProvidersAsync(tx, userId, now, cancellationToken);
    }

    /// <summary>A returning sign-in refreshes what the provider says (GoTrue's UpdateIdentityData).</summary>
    public async Task UpdateDataAsync(RlsTransaction tx, string identityDataJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(
            "UPDATE auth.identities SET identity_data = identity_data || $2::jsonb, updated_at = $3, last_sign_in_at = $3 WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        command.Parameters.AddWithValue(identityDataJson);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteAsync(RlsTransaction tx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var command = tx.CreateCommand("DELETE FROM auth.identities WHERE id = $1"))
        {
            command.Parameters.AddWithValue(Id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await RefreshProvidersAsync(tx, UserId, now, cancellationToken);
    }

    /// <summary>
    /// app_metadata.providers lists the user's identities' providers, oldest first, and app_metadata.provider
    /// stays unless its identity is gone (GoTrue's UpdateAppMetaDataProviders and unlinkIdentity).
    /// </summary>
    private static async Task RefreshProvidersAsync(RlsTransaction tx, Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            WITH listed AS (
                SELECT coalesce(jsonb_agg(provider ORDER BY first_at), '[]'::jsonb) AS providers
                FROM (SELECT provider, min(created_at) AS first_at FROM auth.identities WHERE user_id = $1 GROUP BY provider) p)
            UPDATE auth.users u SET updated_at = $2, raw_app_meta_data = coalesce(u.raw_app_meta_data, '{}') || jsonb_build_object(
                'providers', listed.providers,
                'provider', CASE WHEN listed.providers ? (u.raw_app_meta_data ->> 'provider') THEN u.raw_app_meta_data -> 'provider'
                                 ELSE listed.providers -> 0 END)
            FROM listed WHERE u.id = $1
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Identity?> QueryOneAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Identity(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3))
            : null;
    }
}
