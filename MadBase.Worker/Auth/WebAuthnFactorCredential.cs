using System.Text.Json;
using System.Text.Json.Nodes;
using Fido2NetLib.Objects;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>
/// The credential of a verified WebAuthn MFA factor, in auth.mfa_factors.web_authn_credential as GoTrue keeps it
/// (go-webauthn's Credential as JSON: byte strings in standard base64, the counter under authenticator.signCount),
/// so a project's factors move between GoTrue and MadBase.
/// </summary>
internal sealed record WebAuthnFactorCredential(byte[] Id, byte[] PublicKey, uint SignCount)
{
    public static async Task<WebAuthnFactorCredential?> FindAsync(RlsTransaction tx, Guid factorId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT web_authn_credential::text FROM auth.mfa_factors WHERE id = $1");
        command.Parameters.AddWithValue(factorId);
        if (await command.ExecuteScalarAsync(cancellationToken) is not string json)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return new WebAuthnFactorCredential(
                root.GetProperty("id").GetBytesFromBase64(),
                root.GetProperty("publicKey").GetBytesFromBase64(),
                root.TryGetProperty("authenticator", out var authenticator) && authenticator.TryGetProperty("signCount", out var count)
                    ? count.GetUInt32()
                    : 0);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            // A row this code did not write and cannot read: the factor cannot be used, as with no credential.
            return null;
        }
    }

    /// <summary>The credential ids of the user's verified WebAuthn factors (GoTrue's User.WebAuthnCredentials).</summary>
    public static async Task<List<byte[]>> IdsOfUserAsync(RlsTransaction tx, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            SELECT decode(web_authn_credential->>'id', 'base64') FROM auth.mfa_factors
            WHERE user_id = $1 AND factor_type = 'webauthn' AND status = 'verified' AND web_authn_credential ? 'id'
            ORDER BY created_at
            """);
        command.Parameters.AddWithValue(userId);
        var ids = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetFieldValue<byte[]>(0));
        }

        return ids;
    }

    /// <summary>The factor's first answer verified: it holds the credential from now on (GoTrue's SaveWebAuthnCredential).</summary>
    public static async Task SaveAsync(
        RlsTransaction tx, Guid factorId, RegisteredPublicKeyCredential credential, string lastChallengeJson, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var json = new JsonObject
        {
            ["id"] = Convert.ToBase64String(credential.Id),
            ["publicKey"] = Convert.ToBase64String(credential.PublicKey),
            ["attestationType"] = credential.AttestationFormat ?? "none",
            ["transport"] = JsonSerializer.SerializeToNode(credential.Transports ?? []),
            ["flags"] = new JsonObject
            {
                ["userPresent"] = true,
                ["backupEligible"] = credential.IsBackupEligible,
                ["backupState"] = credential.IsBackedUp,
            },
            ["authenticator"] = new JsonObject
            {
                ["AAGUID"] = Convert.ToBase64String(credential.AaGuid.ToByteArray(bigEndian: true)),
                ["signCount"] = credential.SignCount,
                ["cloneWarning"] = false,
            },
        };
        await using var command = tx.CreateCommand("""
            UPDATE auth.mfa_factors
            SET web_authn_credential = $2, web_authn_aaguid = $3, last_webauthn_challenge_data = $4, status = 'verified', updated_at = $5
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(factorId);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, json.ToJsonString());
        command.Parameters.AddWithValue(NpgsqlDbType.Uuid, credential.AaGuid == Guid.Empty ? DBNull.Value : credential.AaGuid);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, lastChallengeJson);
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A sign-in with the factor: the new counter is stored only if it still grows (a parallel answer with the same
    /// counter loses), so each counter value passes once. False when it did not.
    /// </summary>
    public static async Task<bool> RecordUseAsync(
        RlsTransaction tx, Guid factorId, uint signCount, string lastChallengeJson, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            UPDATE auth.mfa_factors
            SET web_authn_credential = jsonb_set(web_authn_credential, '{authenticator,signCount}', to_jsonb($2)),
                last_webauthn_challenge_data = $3, updated_at = $4
            WHERE id = $1 AND ($2 = 0 OR coalesce((web_authn_credential #>> '{authenticator,signCount}')::bigint, 0) < $2)
            """);
        command.Parameters.AddWithValue(factorId);
        command.Parameters.AddWithValue((long)signCount);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, lastChallengeJson);
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
