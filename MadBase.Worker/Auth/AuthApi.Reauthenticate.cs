using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// GET /reauthenticate (GoTrue's reauthenticate.go): a nonce by mail (by SMS for a phone-only user), which PUT /user takes with a new password
// when the project requires secure password change.
internal static partial class AuthApi
{
    private const string InvalidNonce = "Nonce has expired or is invalid";
    private static readonly TimeSpan RecentSignIn = TimeSpan.FromHours(24);

    private static async Task<IResult> Reauthenticate([AsParameters] AuthServices s)
    {
        var settings = s.Project.Settings.Auth;
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, _) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        if (!string.IsNullOrEmpty(user.Email))
        {
            if (!user.IsConfirmed)
            {
                return new AuthError(422, "email_not_confirmed", "Please verify your email first.").ToResult();
            }

            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ReauthenticateRequested, now, null, s.Aborted);
            await TokenMails.CheckFrequencyAsync(tx, s, settings, user, OneTimeTokenType.Reauthentication, now);
            var (otp, hash) = TokenMails.NewToken(settings, user.Email, challenge: null);
            await user.SetOneTimeTokenAsync(tx, OneTimeTokenType.Reauthentication, hash, user.Email, now, s.Aborted);
            var mail = new MailContent(
                MailKind.Reauthentication, user.Email, user.Email, null, string.Empty, otp, hash, settings.SiteUrl, user.UserMetadataJson);
            await s.Mailer.SendAsync(tx, settings, mail, s.Aborted);
        }
        else if (!string.IsNullOrEmpty(user.Phone))
        {
            // A phone-only user gets the nonce by SMS, as GoTrue sends it (the hook, else the capture).
            if (!user.IsPhoneConfirmed)
            {
                return new AuthError(422, "phone_not_confirmed", "Please verify your phone first.").ToResult();
            }

            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ReauthenticateRequested, now, null, s.Aborted);
            await PhoneOtps.SendAsync(tx, s, user, user.Phone, OneTimeTokenType.Reauthentication);
        }
        else
        {
            return AuthErrors.BadRequestValidation("Reauthentication requires the user to have an email or a phone number").ToResult();
        }

        await tx.CommitAsync(s.Aborted);
        return Empty();
    }

    /// <summary>
    /// GoTrue's UserUpdate with SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION: a session signed in more than 24
    /// hours ago needs the mailed nonce to set a password; a good nonce is spent with every other one-time token.
    /// </summary>
    private static async Task RequireReauthenticationAsync(
        RlsTransaction tx, AuthServices s, User user, Session? session, string? nonce, DateTimeOffset now)
    {
        var settings = s.Project.Settings.Auth;
        if (!settings.SecurityUpdatePasswordRequireReauthentication
            || (session is not null && await SessionCreatedAtAsync(tx, session.Id, s.Aborted) is { } created && now <= created + RecentSignIn))
        {
            return;
        }

        if (string.IsNullOrEmpty(nonce))
        {
            throw new AuthException(new AuthError(400, "reauthentication_needed", "Password update requires reauthentication"));
        }

        // The nonce went to the email when the user has one, else by SMS to the phone (GoTrue's verifyReauthentication).
        var (recipient, lifetimeSeconds) = string.IsNullOrEmpty(user.Email)
            ? (user.Phone, settings.Sms.OtpExpSeconds)
            : (user.Email, settings.MailerOtpExpSeconds);
        var holder = string.IsNullOrEmpty(recipient)
            ? null
            : await User.FindByTokenAsync(tx, OneTimeTokenType.Reauthentication, OneTimeTokens.Hash(recipient, nonce), s.Aborted);
        if (holder?.Id != user.Id
            || await user.SentAtAsync(tx, OneTimeTokenType.Reauthentication, s.Aborted) is not { } sentAt
            || sentAt.AddSeconds(lifetimeSeconds) < now)
        {
            throw new AuthException(new AuthError(422, "reauthentication_not_valid", InvalidNonce));
        }

        await user.ClearOneTimeTokenAsync(tx, OneTimeTokenType.Reauthentication, s.Aborted);
        await using var clear = tx.CreateCommand("DELETE FROM auth.one_time_tokens WHERE user_id = $1");
        clear.Parameters.AddWithValue(user.Id);
        await clear.ExecuteNonQueryAsync(s.Aborted);
    }

    private static async Task<DateTimeOffset?> SessionCreatedAtAsync(RlsTransaction tx, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT created_at FROM auth.sessions WHERE id = $1");
        command.Parameters.AddWithValue(sessionId);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }
}
