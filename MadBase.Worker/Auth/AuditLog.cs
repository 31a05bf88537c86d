using System.Text.Json;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>auth.audit_log_entries, with GoTrue's payload (models/audit_log_entry.go).</summary>
internal static class AuditLog
{
    public const string SignedUp = "user_signedup";
    public const string Login = "login";
    public const string Logout = "logout";
    public const string TokenRefreshed = "token_refreshed";
    public const string TokenRevoked = "token_revoked";
    public const string UserModified = "user_modified";
    public const string UserUpdatePassword = "user_updated_password";
    public const string RecoveryRequested = "user_recovery_requested";
    public const string ConfirmationRequested = "user_confirmation_requested";
    public const string RepeatedSignup = "user_repeated_signup";
    public const string Invited = "user_invited";
    public const string UserDeleted = "user_deleted";
    public const string ReauthenticateRequested = "user_reauthenticate_requested";
    public const string FactorEnrolling = "factor_in_progress";
    public const string FactorUnenrolled = "factor_unenrolled";
    public const string ChallengeCreated = "challenge_created";
    public const string FactorVerificationAttempted = "verification_attempted";
    public const string FactorDeleted = "factor_deleted";
    public const string FactorUpdated = "factor_updated";
    public const string IdentityUnlinked = "identity_unlinked";
    public const string PasskeyCreated = "passkey_created";
    public const string PasskeyUpdated = "passkey_updated";
    public const string PasskeyDeleted = "passkey_deleted";

    public static async Task WriteAsync(
        RlsTransaction tx,
        HttpContext context,
        User? actor,
        string action,
        DateTimeOffset now,
        IReadOnlyDictionary<string, object>? traits = null,
        CancellationToken cancellationToken = default)
    {
        tx.Add(Entry(context, actor, action, now, traits));
        await tx.ExecuteAsync(cancellationToken);
    }

    /// <summary>The entry as a batch command, for a grant that sends it with its other writes.</summary>
    public static NpgsqlBatchCommand Entry(
        HttpContext context, User? actor, string action, DateTimeOffset now, IReadOnlyDictionary<string, object>? traits = null)
    {
        var payload = new Dictionary<string, object?>
        {
            ["action"] = action,
            ["actor_id"] = actor?.Id.ToString(),
            ["actor_username"] = actor?.Email ?? actor?.Phone ?? string.Empty,
            ["actor_via_sso"] = false,
            ["log_type"] = LogType(action),
        };
        if (traits is not null)
        {
            payload["traits"] = traits;
        }

        var command = new NpgsqlBatchCommand("""
            INSERT INTO auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
            VALUES ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), $1::json, $2, $3)
            """);
        command.Parameters.AddWithValue(JsonSerializer.Serialize(payload));
        command.Parameters.AddWithValue(now);
        var ip = ClientIp.Of(context);
        command.Parameters.AddWithValue(ip.Length > 64 ? ip[..64] : ip);
        return command;
    }

    private static string LogType(string action) => action switch
    {
        SignedUp or Invited or UserDeleted => "team",
        Login or Logout => "account",
        TokenRefreshed or TokenRevoked => "token",
        FactorEnrolling or FactorUnenrolled or ChallengeCreated or FactorVerificationAttempted or FactorDeleted or FactorUpdated => "factor",
        _ => "user",
    };
}
