using System.Security.Cryptography;
using System.Text;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

internal enum OneTimeTokenType
{
    Confirmation,
    Recovery,
    EmailChangeNew,
    EmailChangeCurrent,
    Reauthentication,
    PhoneChange,
}

/// <summary>
/// auth.one_time_tokens and the token columns of auth.users. As GoTrue (crypto.GenerateTokenHash), the stored
/// hash is sha224(email + otp) in hex: the OTP is mailed, the hash is the link's <c>token</c>, and either one
/// verifies. An SMS OTP's hash is of the phone number (digits only) and the OTP.
/// </summary>
internal static class OneTimeTokens
{
    public static string Column(OneTimeTokenType type) => type switch
    {
        OneTimeTokenType.Confirmation => "confirmation_token",
        OneTimeTokenType.Recovery => "recovery_token",
        OneTimeTokenType.EmailChangeCurrent => "email_change_token_current",
        OneTimeTokenType.Reauthentication => "reauthentication_token",
        OneTimeTokenType.PhoneChange => "phone_change_token",
        _ => "email_change_token_new",
    };

    public static string SentAtColumn(OneTimeTokenType type) => type switch
    {
        OneTimeTokenType.Confirmation => "confirmation_sent_at",
        OneTimeTokenType.Recovery => "recovery_sent_at",
        OneTimeTokenType.Reauthentication => "reauthentication_sent_at",
        OneTimeTokenType.PhoneChange => "phone_change_sent_at",
        _ => "email_change_sent_at",
    };

    public static string Otp(int length)
    {
        return RandomNumberGenerator.GetString("0123456789", Math.Clamp(length, 6, 10));
    }

    public static string Hash(string address, string otp)
    {
        var input = Encoding.UTF8.GetBytes(address.ToLowerInvariant() + otp);
        var digest = new Org.BouncyCastle.Crypto.Digests.Sha224Digest();
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return Convert.ToHexStringLower(output);
    }

    public static async Task UpsertAsync(
        RlsTransaction tx, Guid userId, OneTimeTokenType type, string tokenHash, string relatesTo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            INSERT INTO auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, $2::auth.one_time_token_type, $3, $4, $5, $5)
            ON CONFLICT (user_id, token_type) DO UPDATE SET token_hash = excluded.token_hash, relates_to = excluded.relates_to,
                created_at = excluded.created_at, updated_at = excluded.updated_at
            """);
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(Column(type));
        command.Parameters.AddWithValue(tokenHash);
        command.Parameters.AddWithValue(relatesTo);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Timestamp, DateTime.SpecifyKind(now.UtcDateTime, DateTimeKind.Unspecified));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task DeleteAsync(RlsTransaction tx, Guid userId, OneTimeTokenType type, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("DELETE FROM auth.one_time_tokens WHERE user_id = $1 AND token_type = $2::auth.one_time_token_type");
        command.Parameters.AddWithValue(userId);
        command.Parameters.AddWithValue(Column(type));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
