using System.Text.Json;
using Fido2NetLib.Objects;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>A row of auth.webauthn_credentials (GoTrue's WebAuthnCredential): a user's passkey.</summary>
internal sealed record Passkey(Guid Id, Guid UserId, byte[] CredentialId, byte[] PublicKey, long SignCount, string Json)
{
    /// <summary>GoTrue's PasskeyListItem: friendly_name and last_used_at left out when empty.</summary>
    private const string Select = """
        SELECT c.id, c.user_id, c.credential_id, c.public_key, c.sign_count,
               (jsonb_build_object('id', c.id, 'created_at', c.created_at)
                || CASE WHEN c.friendly_name <> '' THEN jsonb_build_object('friendly_name', c.friendly_name) ELSE '{}'::jsonb END
                || CASE WHEN c.last_used_at IS NOT NULL THEN jsonb_build_object('last_used_at', c.last_used_at) ELSE '{}'::jsonb END)::text
        FROM auth.webauthn_credentials c
        """;

    public static Task<List<Passkey>> ListAsync(RlsTransaction tx, Guid userId, CancellationToken cancellationToken) =>
        QueryAsync(tx, Select + " WHERE c.user_id = $1 ORDER BY c.created_at", cancellationToken, userId);

    /// <summary>The user's passkey of this id (another user's is not found), locked for a change.</summary>
    public static async Task<Passkey?> FindOwnedAsync(RlsTransaction tx, Guid userId, Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync(tx, Select + " WHERE c.user_id = $1 AND c.id = $2 FOR UPDATE", cancellationToken, userId, id)).FirstOrDefault();

    /// <summary>The passkey an assertion names, locked so two sign-ins with one counter value cannot both pass.</summary>
    public static async Task<Passkey?> FindByCredentialIdAsync(RlsTransaction tx, byte[] credentialId, CancellationToken cancellationToken) =>
        (await QueryAsync(tx, Select + " WHERE c.credential_id = $1 FOR UPDATE", cancellationToken, credentialId)).FirstOrDefault();

    public static string JsonArray(IEnumerable<Passkey> passkeys) => "[" + string.Join(",", passkeys.Select(p => p.Json)) + "]";

    /// <summary>Stores a verified credential; null when that credential id is already registered (to anyone).</summary>
    public static async Task<Passkey?> InsertAsync(
        RlsTransaction tx, Guid userId, RegisteredPublicKeyCredential credential, string friendlyName, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using (var command = tx.CreateCommand("""
            INSERT INTO auth.webauthn_credentials (id, user_id, credential_id, public_key, attestation_type, aaguid, sign_count,
                transports, backup_eligible, backed_up, friendly_name, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
            ON CONFLICT (credential_id) DO NOTHING
            """))
        {
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(userId);
            command.Parameters.AddWithValue(credential.Id);
            command.Parameters.AddWithValue(credential.PublicKey);
            command.Parameters.AddWithValue(credential.AttestationFormat ?? string.Empty);
            command.Parameters.AddWithValue(NpgsqlDbType.Uuid, credential.AaGuid == Guid.Empty ? DBNull.Value : credential.AaGuid);
            command.Parameters.AddWithValue((long)credential.SignCount);
            command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, TransportsJson(credential.Transports));
            command.Parameters.AddWithValue(credential.IsBackupEligible);
            command.Parameters.AddWithValue(credential.IsBackedUp);
            command.Parameters.AddWithValue(friendlyName);
            command.Parameters.AddWithValue(now);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }

        return (await QueryAsync(tx, Select + " WHERE c.id = $1", cancellationToken, id)).Single();
    }

    /// <summary>A sign-in: the authenticator's new counter, its backup state, and when (GoTrue's UpdateLastUsedWithSignCount).</summary>
    public NpgsqlBatchCommand RecordUse(uint signCount, bool backedUp, DateTimeOffset now) =>
        new("UPDATE auth.webauthn_credentials SET sign_count = $2, backed_up = $3, last_used_at = $4, updated_at = $4 WHERE id = $1")
        {
            Parameters =
            {
                new NpgsqlParameter { Value = Id },
                new NpgsqlParameter { Value = (long)signCount },
                new NpgsqlParameter { Value = backedUp },
                new NpgsqlParameter { Value = now },
            },
        };

    public async Task<Passkey> RenameAsync(RlsTransaction tx, string friendlyName, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await QueryAsync(tx, $"""
            WITH renamed AS (UPDATE auth.webauthn_credentials SET friendly_name = $2, updated_at = $3 WHERE id = $1 RETURNING *)
            {Select.Replace("auth.webauthn_credentials c", "renamed c", StringComparison.Ordinal)}
            """, cancellationToken, Id, friendlyName, now)).Single();

    public async Task DeleteAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("DELETE FROM auth.webauthn_credentials WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string TransportsJson(AuthenticatorTransport[]? transports) =>
        JsonSerializer.Serialize(transports ?? []);

    private static async Task<List<Passkey>> QueryAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var passkeys = new List<Passkey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            passkeys.Add(new Passkey(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetFieldValue<byte[]>(2),
                reader.GetFieldValue<byte[]>(3),
                reader.GetInt64(4),
                reader.GetString(5)));
        }

        return passkeys;
    }
}
