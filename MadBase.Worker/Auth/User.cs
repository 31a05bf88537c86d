using System.Text.Json;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>
/// A row of auth.users, with its GoTrue JSON (models/user.go, identities included) built by Postgres in the
/// same query. The static methods own the table's SQL.
/// </summary>
internal sealed record User(
    Guid Id,
    string Aud,
    string Role,
    string? Email,
    string? Phone,
    string? EncryptedPassword,
    DateTimeOffset? EmailConfirmedAt,
    DateTimeOffset? BannedUntil,
    bool IsAnonymous,
    string AppMetadataJson,
    string UserMetadataJson,
    string? EmailChange,
    string Json,
    DateTimeOffset? PhoneConfirmedAt,
    string? PhoneChange)
{
    public const string DefaultAud = "authenticated";

    // Fields GoTrue marks omitempty are stripped when null (factors when there are none); the rest are always present.
    private const string Select = $$"""
        SELECT u.id, coalesce(u.aud, ''), coalesce(u.role, ''), u.email, u.phone, u.encrypted_password, u.email_confirmed_at,
               u.banned_until, u.is_anonymous, coalesce(u.raw_app_meta_data, '{}')::text, coalesce(u.raw_user_meta_data, '{}')::text,
               nullif(u.email_change, ''),
               (jsonb_build_object(
                   'id', u.id, 'aud', coalesce(u.aud, ''), 'role', coalesce(u.role, ''), 'email', coalesce(u.email, ''),
                   'phone', coalesce(u.phone, ''),
                   'app_metadata', coalesce(u.raw_app_meta_data, '{}'), 'user_metadata', coalesce(u.raw_user_meta_data, '{}'),
                   'identities', coalesce((
                       SELECT jsonb_agg(jsonb_build_object(
                           'identity_id', i.id, 'id', i.provider_id, 'user_id', i.user_id, 'identity_data', i.identity_data,
                           'provider', i.provider, 'last_sign_in_at', i.last_sign_in_at, 'created_at', i.created_at,
                           'updated_at', i.updated_at, 'email', i.email) ORDER BY i.created_at)
                       FROM auth.identities i WHERE i.user_id = u.id), '[]'::jsonb),
                   'created_at', u.created_at, 'updated_at', u.updated_at, 'is_anonymous', u.is_anonymous)
                || coalesce((
                   SELECT jsonb_build_object('factors', jsonb_agg({{Factor.JsonOfRow}} ORDER BY f.created_at))
                   FROM auth.mfa_factors f WHERE f.user_id = u.id HAVING count(*) > 0), '{}'::jsonb)
                || jsonb_strip_nulls(jsonb_build_object(
                   'email_confirmed_at', u.email_confirmed_at, 'phone_confirmed_at', u.phone_confirmed_at,
                   'confirmation_sent_at', u.confirmation_sent_at, 'confirmed_at', u.confirmed_at,
                   'recovery_sent_at', u.recovery_sent_at, 'invited_at', u.invited_at,
                   'new_email', nullif(u.email_change, ''), 'email_change_sent_at', u.email_change_sent_at,
                   'new_phone', nullif(u.phone_change, ''), 'phone_change_sent_at', u.phone_change_sent_at,
                   'reauthentication_sent_at', u.reauthentication_sent_at, 'last_sign_in_at', u.last_sign_in_at,
                   'banned_until', u.banned_until, 'deleted_at', u.deleted_at)))::text,
               u.phone_confirmed_at, nullif(u.phone_change, '')
        FROM auth.users u
        """;

    public bool IsConfirmed => EmailConfirmedAt is not null;

    public bool IsPhoneConfirmed => PhoneConfirmedAt is not null;

    public bool IsBanned(DateTimeOffset now) => BannedUntil is { } until && until > now;

    public static Task<User?> FindByIdAsync(RlsTransaction tx, Guid id, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + " WHERE u.id = $1", cancellationToken, id);

    public static Task<User?> FindByEmailAsync(RlsTransaction tx, string email, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + " WHERE lower(u.email) = lower($1) AND u.is_sso_user = false", cancellationToken, email);

    /// <summary>The user holding a phone number (digits only, as stored).</summary>
    public static Task<User?> FindByPhoneAsync(RlsTransaction tx, string phone, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + " WHERE u.phone = $1 AND u.is_sso_user = false", cancellationToken, phone);

    /// <summary>The user who asked to change to this phone number (GoTrue's FindUserByPhoneChangeAndAudience).</summary>
    public static Task<User?> FindByPhoneChangeAsync(RlsTransaction tx, string phone, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + " WHERE u.phone_change = $1 AND u.is_sso_user = false", cancellationToken, phone);

    public static NpgsqlBatchCommand FindByPhone(string phone)
    {
        var command = new NpgsqlBatchCommand(Select + " WHERE u.phone = $1 AND u.is_sso_user = false");
        command.Parameters.AddWithValue(phone);
        return command;
    }

    public static NpgsqlBatchCommand FindById(Guid id)
    {
        var command = new NpgsqlBatchCommand(Select + " WHERE u.id = $1");
        command.Parameters.AddWithValue(id);
        return command;
    }

    public static NpgsqlBatchCommand FindByEmail(string email)
    {
        var command = new NpgsqlBatchCommand(Select + " WHERE lower(u.email) = lower($1) AND u.is_sso_user = false");
        command.Parameters.AddWithValue(email);
        return command;
    }

    /// <summary>The user of a refresh token's session, batched behind the statements that lock both.</summary>
    public static NpgsqlBatchCommand FindBySessionOfToken(string refreshToken)
    {
        var command = new NpgsqlBatchCommand(Select + $" WHERE u.id = (SELECT user_id FROM auth.sessions WHERE id = {RefreshToken.SessionOfToken})");
        command.Parameters.AddWithValue(refreshToken);
        return command;
    }

    /// <summary>The first row of the reader's current result, if any.</summary>
    public static async Task<User?> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) ? Read(reader) : null;

    /// <summary>A user holding the given one-time token hash in the named column (trusted constant).</summary>
    public static Task<User?> FindByTokenAsync(RlsTransaction tx, OneTimeTokenType type, string tokenHash, CancellationToken cancellationToken) =>
        QueryOneAsync(tx, Select + $" WHERE u.{OneTimeTokens.Column(type)} = $1", cancellationToken, tokenHash);

    /// <summary>
    /// A page of users, newest first; with a filter (GoTrue's <c>?filter=</c>), only those whose email or
    /// <c>user_metadata.full_name</c> contains it, case-insensitively (taken literally: % and _ match themselves).
    /// </summary>
    public static async Task<(IReadOnlyList<User> Users, long Total)> ListAsync(
        RlsTransaction tx, int page, int perPage, string filter, CancellationToken cancellationToken)
    {
        const string filtered = " WHERE $1 = '' OR u.email ILIKE $1 OR u.raw_user_meta_data->>'full_name' ILIKE $1";
        var pattern = filter.Length == 0 ? string.Empty
            : "%" + filter.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal)
                .Replace("_", @"\_", StringComparison.Ordinal) + "%";
        long total;
        await using (var count = tx.CreateCommand("SELECT count(*) FROM auth.users u" + filtered))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = pattern });
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        var users = await QueryAsync(
            tx, Select + filtered + " ORDER BY u.created_at DESC, u.id LIMIT $2 OFFSET $3", cancellationToken,
            pattern, perPage, (long)(page - 1) * perPage);
        return (users, total);
    }

    /// <summary>Inserts the user and, for a provider, its identity (GoTrue's signupNewUser + createNewIdentity).</summary>
    public static async Task<User> CreateAsync(RlsTransaction tx, NewUser user, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using (var insert = tx.CreateCommand("""
            INSERT INTO auth.users (instance_id, id, aud, role, email, phone, encrypted_password, raw_app_meta_data,
                raw_user_meta_data, created_at, updated_at, email_confirmed_at, phone_confirmed_at, is_anonymous,
                is_sso_user, is_super_admin, confirmation_token, recovery_token, email_change_token_new, email_change,
                invited_at)
            VALUES ('00000000-0000-0000-0000-000000000000', $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $9, $10, $11, $12,
                $14, false, '', '', '', '', $13)
            """))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(user.Aud);
            insert.Parameters.AddWithValue(user.Role);
            insert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)user.Email ?? DBNull.Value);
            insert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)user.Phone ?? DBNull.Value);
            insert.Parameters.AddWithValue(NpgsqlDbType.Text, user.EncryptedPassword ?? string.Empty);
            insert.Parameters.AddWithValue(user.AppMetadataJson);
            insert.Parameters.AddWithValue(user.UserMetadataJson);
            insert.Parameters.AddWithValue(now);
            insert.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, user.EmailConfirmed ? now : DBNull.Value);
            insert.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, user.PhoneConfirmed ? now : DBNull.Value);
            insert.Parameters.AddWithValue(user.IsAnonymous);
            insert.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, user.Invited ? now : DBNull.Value);
            insert.Parameters.AddWithValue(user.IsSsoUser);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (user.Provider is { } provider && (user.Email ?? user.Phone) is not null)
        {
            // As GoTrue's signup: the email identity carries the address, the phone identity the number.
            var claims = new Dictionary<string, object> { ["sub"] = id.ToString() };
            if (user.Email is { } email)
            {
                claims["email"] = email;
            }
            else
            {
                claims["phone"] = user.Phone!;
            }

            claims["email_verified"] = user.EmailConfirmed;
            claims["phone_verified"] = user.PhoneConfirmed;
            var data = JsonSerializer.Serialize(claims);
            await using var identity = tx.CreateCommand("""
                INSERT INTO auth.identities (id, provider_id, user_id, identity_data, provider, created_at, updated_at, last_sign_in_at)
                VALUES (gen_random_uuid(), $1, $2, $3::jsonb, $4, $5, $5, $5)
                """);
            identity.Parameters.AddWithValue(id.ToString());
            identity.Parameters.AddWithValue(id);
            identity.Parameters.AddWithValue(data);
            identity.Parameters.AddWithValue(provider);
            identity.Parameters.AddWithValue(now);
            await identity.ExecuteNonQueryAsync(cancellationToken);
        }

        return (await FindByIdAsync(tx, id, cancellationToken))!;
    }

    public async Task<User> ReloadAsync(RlsTransaction tx, CancellationToken cancellationToken) =>
        await FindByIdAsync(tx, Id, cancellationToken) ?? throw new AuthException(AuthErrors.UserNotFound());

    public NpgsqlBatchCommand RecordSignIn(DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand("""
            WITH signed_in AS (UPDATE auth.users SET last_sign_in_at = $2, updated_at = $2 WHERE id = $1)
            UPDATE auth.identities SET last_sign_in_at = $2 WHERE user_id = $1
            """);
        command.Parameters.AddWithValue(Id);
        command.Parameters.AddWithValue(now);
        return command;
    }

    /// <summary>Confirms the email and marks the email identity verified (GoTrue's user.Confirm).</summary>
    public Task ConfirmEmailAsync(RlsTransaction tx, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            WITH confirmed AS (
                UPDATE auth.users SET email_confirmed_at = coalesce(email_confirmed_at, $2), confirmation_token = '', updated_at = $2
                WHERE id = $1)
            UPDATE auth.identities SET identity_data = identity_data || '{"email_verified": true}'::jsonb, updated_at = $2
            WHERE user_id = $1 AND provider = 'email'
            """, cancellationToken, Id, now);

    /// <summary>Confirms the phone and marks the phone identity verified (GoTrue's user.ConfirmPhone).</summary>
    public Task ConfirmPhoneAsync(RlsTransaction tx, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            WITH confirmed AS (
                UPDATE auth.users SET phone_confirmed_at = coalesce(phone_confirmed_at, $2), confirmation_token = '', is_anonymous = false,
                    updated_at = $2
                WHERE id = $1)
            UPDATE auth.identities SET identity_data = identity_data || '{"phone_verified": true}'::jsonb, updated_at = $2
            WHERE user_id = $1 AND provider = 'phone'
            """, cancellationToken, Id, now);

    /// <summary>
    /// The requested number becomes the user's, confirmed (GoTrue's ConfirmPhoneChange); the phone identity follows
    /// it, created when the user had none (smsVerify).
    /// </summary>
    public async Task ConfirmPhoneChangeAsync(RlsTransaction tx, string phone, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(tx, """
            UPDATE auth.users SET phone = $2, phone_change = '', phone_change_token = '', phone_confirmed_at = $3, is_anonymous = false,
                updated_at = $3
            WHERE id = $1
            """, cancellationToken, Id, phone, now);
        await OneTimeTokens.DeleteAsync(tx, Id, OneTimeTokenType.PhoneChange, cancellationToken);
        await SetPhoneIdentityAsync(tx, phone, verified: true, now, cancellationToken);
    }

    /// <summary>
    /// An admin's new number (GoTrue's adminUserUpdate): set outright, confirmed only when the admin says so; the
    /// phone identity follows it, created when the user had none.
    /// </summary>
    public async Task SetPhoneAsync(RlsTransaction tx, string phone, bool confirmed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(tx, """
            UPDATE auth.users SET phone = $2, phone_change = '', phone_change_token = '', is_anonymous = false, updated_at = $4,
                phone_confirmed_at = CASE WHEN $3 THEN $4 ELSE NULL END
            WHERE id = $1
            """, cancellationToken, Id, phone, confirmed, now);
        await SetPhoneIdentityAsync(tx, phone, confirmed ? true : null, now, cancellationToken);
    }

    /// <summary>The phone identity's number (and, when known, whether it is verified); created when the user had none.</summary>
    private async Task SetPhoneIdentityAsync(RlsTransaction tx, string phone, bool? verified, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object> { ["phone"] = phone };
        if (verified is { } known)
        {
            data["phone_verified"] = known;
        }

        if (await Identity.FindAsync(tx, "phone", Id.ToString(), cancellationToken) is { } identity)
        {
            await identity.UpdateDataAsync(tx, JsonSerializer.Serialize(data), now, cancellationToken);
        }
        else
        {
            var claims = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["sub"] = Id.ToString(),
                ["phone"] = phone,
                ["email_verified"] = false,
                ["phone_verified"] = verified ?? false,
            });
            await Identity.CreateAsync(tx, Id, "phone", Id.ToString(), claims, now, cancellationToken);
        }
    }

    /// <summary>Records the number a phone change asks for; its OTP is set beside it (GoTrue's sendPhoneConfirmation).</summary>
    public Task RequestPhoneChangeAsync(RlsTransaction tx, string phone, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "UPDATE auth.users SET phone_change = $2 WHERE id = $1", cancellationToken, Id, phone);

    public Task SetPasswordAsync(RlsTransaction tx, string hash, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "UPDATE auth.users SET encrypted_password = $2, updated_at = $3 WHERE id = $1", cancellationToken, Id, hash, now);

    /// <summary>Merges into raw_user_meta_data as GoTrue's UpdateUserMetaData: top-level keys replaced, null removes.</summary>
    public Task MergeUserMetadataAsync(RlsTransaction tx, string json, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            UPDATE auth.users SET raw_user_meta_data = jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}') || $2::jsonb), updated_at = $3
            WHERE id = $1
            """, cancellationToken, Id, json, now);

    public Task MergeAppMetadataAsync(RlsTransaction tx, string json, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            UPDATE auth.users SET raw_app_meta_data = jsonb_strip_nulls(coalesce(raw_app_meta_data, '{}') || $2::jsonb), updated_at = $3
            WHERE id = $1
            """, cancellationToken, Id, json, now);

    /// <summary>Replaces the email outright (admin or an unconfirmed-change flow); also the email identity.</summary>
    public Task SetEmailAsync(RlsTransaction tx, string email, bool confirmed, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            WITH changed AS (
                UPDATE auth.users SET email = $2, email_change = '', email_change_token_new = '', email_change_token_current = '',
                    email_change_confirm_status = 0, is_anonymous = false, updated_at = $4,
                    email_confirmed_at = CASE WHEN $3 THEN coalesce(email_confirmed_at, $4) ELSE email_confirmed_at END
                WHERE id = $1)
            UPDATE auth.identities SET identity_data = identity_data || jsonb_build_object('email', $2::text), updated_at = $4
            WHERE user_id = $1 AND provider = 'email'
            """, cancellationToken, Id, email, confirmed, now);

    /// <summary>
    /// Records a requested email change with its tokens (GoTrue's sendEmailChange); an empty
    /// <paramref name="currentTokenHash"/> means the current address need not confirm.
    /// </summary>
    public Task RequestEmailChangeAsync(
        RlsTransaction tx, string newEmail, string newTokenHash, string currentTokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, """
            UPDATE auth.users SET email_change = $2, email_change_token_new = $3, email_change_token_current = $4,
                email_change_sent_at = $5, email_change_confirm_status = 0, updated_at = $5
            WHERE id = $1
            """, cancellationToken, Id, newEmail, newTokenHash, currentTokenHash, now);

    /// <summary>One token of an email change, leaving the other as it is (admin generate_link).</summary>
    public Task SetEmailChangeTokenAsync(
        RlsTransaction tx, OneTimeTokenType type, string newEmail, string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, $"""
            UPDATE auth.users SET email_change = $2, {OneTimeTokens.Column(type)} = $3, email_change_sent_at = $4,
                email_change_confirm_status = 0, updated_at = $4
            WHERE id = $1
            """, cancellationToken, Id, newEmail, tokenHash, now);

    /// <summary>Where a pending email change stands: how many addresses confirmed it, and which tokens are still out.</summary>
    public async Task<(int ConfirmStatus, bool CurrentPending, bool NewPending)> EmailChangeStateAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            SELECT coalesce(email_change_confirm_status, 0), coalesce(email_change_token_current, '') <> '', coalesce(email_change_token_new, '') <> ''
            FROM auth.users WHERE id = $1
            """);
        command.Parameters.AddWithValue(Id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt16(0), reader.GetBoolean(1), reader.GetBoolean(2)) : (0, false, false);
    }

    /// <summary>The first of two confirmations: the used token is spent, the change waits for the other (GoTrue's singleConfirmation).</summary>
    public async Task ConfirmEmailChangeOnceAsync(RlsTransaction tx, OneTimeTokenType used, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            tx,
            $"UPDATE auth.users SET email_change_confirm_status = 1, {OneTimeTokens.Column(used)} = '', updated_at = $2 WHERE id = $1",
            cancellationToken,
            Id,
            now);
        await OneTimeTokens.DeleteAsync(tx, Id, used, cancellationToken);
    }

    public Task SetBannedUntilAsync(RlsTransaction tx, DateTimeOffset? until, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "UPDATE auth.users SET banned_until = $2, updated_at = $3 WHERE id = $1", cancellationToken,
            Id, until.HasValue ? until.Value : DBNull.Value, now);

    public Task SetRoleAsync(RlsTransaction tx, string role, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "UPDATE auth.users SET role = $2, updated_at = $3 WHERE id = $1", cancellationToken, Id, role, now);

    public Task DeleteAsync(RlsTransaction tx, CancellationToken cancellationToken) =>
        ExecuteAsync(tx, "DELETE FROM auth.users WHERE id = $1", cancellationToken, Id);

    /// <summary>Writes a one-time token hash into the user's column for it and the sent-at column, plus one_time_tokens.</summary>
    public async Task SetOneTimeTokenAsync(
        RlsTransaction tx, OneTimeTokenType type, string tokenHash, string relatesTo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            tx,
            $"UPDATE auth.users SET {OneTimeTokens.Column(type)} = $2, {OneTimeTokens.SentAtColumn(type)} = $3 WHERE id = $1",
            cancellationToken,
            Id,
            tokenHash,
            now);
        await OneTimeTokens.UpsertAsync(tx, Id, type, tokenHash, relatesTo, now, cancellationToken);
    }

    public async Task ClearOneTimeTokenAsync(RlsTransaction tx, OneTimeTokenType type, CancellationToken cancellationToken)
    {
        await ExecuteAsync(tx, $"UPDATE auth.users SET {OneTimeTokens.Column(type)} = '' WHERE id = $1", cancellationToken, Id);
        await OneTimeTokens.DeleteAsync(tx, Id, type, cancellationToken);
    }

    public async Task<DateTimeOffset?> SentAtAsync(RlsTransaction tx, OneTimeTokenType type, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand($"SELECT {OneTimeTokens.SentAtColumn(type)} FROM auth.users WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    private static async Task ExecuteAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<User?> QueryOneAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values) =>
        (await QueryAsync(tx, sql, cancellationToken, values)).FirstOrDefault();

    private static async Task<List<User>> QueryAsync(RlsTransaction tx, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = tx.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var users = new List<User>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    private static User Read(NpgsqlDataReader reader) =>
        new(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            reader.GetBoolean(8),
            reader.GetString(9),
            reader.GetString(10),
            reader.IsDBNull(11) ? null : reader.GetString(11),
            reader.GetString(12),
            reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
            reader.IsDBNull(14) ? null : reader.GetString(14));
}

/// <summary>What a new auth.users row starts with.</summary>
internal sealed record NewUser(
    string? Email,
    string? Phone,
    string? EncryptedPassword,
    string AppMetadataJson,
    string UserMetadataJson,
    string? Provider,
    bool EmailConfirmed,
    bool IsAnonymous = false,
    bool PhoneConfirmed = false,
    bool Invited = false,
    string Aud = User.DefaultAud,
    string Role = "authenticated",
    bool IsSsoUser = false);
