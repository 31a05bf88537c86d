using System.Net;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// /factors (GoTrue's mfa.go): enrollment, challenge, verification and unenrollment; WebAuthn's own steps in
// AuthApi.WebAuthnFactors.cs, phone's in AuthApi.PhoneFactors.cs.
internal static partial class AuthApi
{
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    private static async Task<IResult> EnrollFactor([AsParameters] AuthServices s)
    {
        var input = await AuthBody.ReadAsync<EnrollFactorParams>(s.Context);
        var mfa = s.Project.Settings.Auth.Mfa;
        switch (input.FactorType)
        {
            case "totp" when !mfa.Totp.EnrollEnabled:
                return new AuthError(422, "mfa_totp_enroll_not_enabled", "MFA enroll is disabled for TOTP").ToResult();
            case "totp":
                break;
            case Factor.WebAuthn when !mfa.WebAuthn.EnrollEnabled:
                return new AuthError(422, "mfa_webauthn_enroll_not_enabled", "MFA enroll is disabled for WebAuthn").ToResult();
            case Factor.WebAuthn:
                break;
            case "phone" when !mfa.Phone.EnrollEnabled:
                return new AuthError(422, "mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone").ToResult();
            case "phone":
                break;
            default:
                return AuthErrors.BadRequestValidation("factor_type needs to be totp, phone, or webauthn").ToResult();
        }

        var phone = input.FactorType == "phone" ? FactorPhone(input) : null;
        var issuer = string.IsNullOrEmpty(input.Issuer) ? new Uri(s.Project.Settings.Auth.SiteUrl).Authority : input.Issuer;
        var friendlyName = input.FriendlyName ?? string.Empty;
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, session) = await FactorOwnerAsync(tx, s);
        if (phone is not null)
        {
            await ReplaceFactorsOfNumberAsync(tx, s, user, phone);
        }

        await Factor.DeleteExpiredAsync(tx, user.Id, Math.Max(300, mfa.FactorExpiryDuration), now, s.Aborted);
        var factors = await Factor.ListAsync(tx, user.Id, s.Aborted);
        if (factors.Any(f => (f.FriendlyName ?? string.Empty) == friendlyName))
        {
            return new AuthError(422, "mfa_factor_name_conflict", $"A factor with the friendly name {GoQuoted(friendlyName)} for this user already exists").ToResult();
        }

        var verified = factors.Count(f => f.IsVerified);
        if (factors.Count >= mfa.MaxEnrolledFactors || verified >= mfa.MaxVerifiedFactors)
        {
            return new AuthError(422, "too_many_enrolled_mfa_factors", "Maximum number of verified factors reached, unenroll to continue").ToResult();
        }

        if (verified > 0 && !await AuthenticatorAssurance.IsAal2Async(tx, session.Id, s.Aborted))
        {
            return new AuthError(403, "insufficient_aal", "AAL2 required to enroll a new factor").ToResult();
        }

        if (input.FactorType == Factor.WebAuthn)
        {
            // The credential comes with the first challenge's answer (GoTrue's enrollWebAuthnFactor).
            var webauthn = await Factor.InsertAsync(tx, user.Id, Factor.WebAuthn, friendlyName, null, now, s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorEnrolling, now,
                new Dictionary<string, object> { ["factor_id"] = webauthn.Id, ["factor_type"] = Factor.WebAuthn }, s.Aborted);
            await tx.CommitAsync(s.Aborted);
            return TypedResults.Json(new Dictionary<string, object> { ["id"] = webauthn.Id, ["type"] = Factor.WebAuthn, ["friendly_name"] = friendlyName });
        }

        if (phone is not null)
        {
            return await EnrollPhoneFactorAsync(tx, s, user, friendlyName, phone, input.Phone!, now);
        }

        var secret = TotpKey.NewSecret();
        var uri = TotpKey.Uri(issuer, user.Email ?? string.Empty, secret);
        var factor = await Factor.InsertAsync(tx, user.Id, Factor.Totp, friendlyName, secret, now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorEnrolling, now, new Dictionary<string, object> { ["factor_id"] = factor.Id }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["id"] = factor.Id,
            ["type"] = Factor.Totp,
            ["friendly_name"] = friendlyName,
            ["totp"] = new Dictionary<string, string> { ["qr_code"] = TotpKey.QrCodeSvg(uri), ["secret"] = secret, ["uri"] = uri },
        });
    }

    private static async Task<IResult> ChallengeFactor([AsParameters] AuthServices s, string factorId)
    {
        var mfa = s.Project.Settings.Auth.Mfa;
        await s.Limiter.CheckAsync(s.Context, s.Project, "factor_challenge", mfa.RateLimitChallengeAndVerify, OneMinute);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, _) = await FactorOwnerAsync(tx, s);
        var factor = await OwnedFactorAsync(tx, user.Id, factorId, s.Aborted);
        if (factor.Type == Factor.WebAuthn)
        {
            return await ChallengeWebAuthnFactorAsync(tx, s, user, factor, now);
        }

        if (factor.Type != "phone" && !mfa.Totp.VerifyEnabled)
        {
            return new AuthError(422, "mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP").ToResult();
        }

        var challengeId = factor.Type == "phone"
            ? await CreatePhoneChallengeAsync(tx, s, user, factor, now)
            : await factor.CreateChallengeAsync(tx, ClientAddress(s.Context), now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.ChallengeCreated, now,
            new Dictionary<string, object> { ["factor_id"] = factor.Id, ["factor_status"] = factor.Status }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["id"] = challengeId,
            ["type"] = factor.Type,
            ["expires_at"] = now.AddSeconds(ChallengeExpiry(s)).ToUnixTimeSeconds(),
        });
    }

    private static async Task<IResult> VerifyFactor([AsParameters] AuthServices s, string factorId)
    {
        var mfa = s.Project.Settings.Auth.Mfa;
        await s.Limiter.CheckAsync(s.Context, s.Project, "factor_verify", mfa.RateLimitChallengeAndVerify, OneMinute);
        var input = await AuthBody.ReadAsync<VerifyFactorParams>(s.Context);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, session) = await FactorOwnerAsync(tx, s);
        var factor = await OwnedFactorAsync(tx, user.Id, factorId, s.Aborted);
        if (factor.Type == Factor.WebAuthn)
        {
            return await VerifyWebAuthnFactorAsync(tx, s, user, session, factor, input, now);
        }

        if (string.IsNullOrEmpty(input.Code))
        {
            return AuthErrors.BadRequestValidation("Code needs to be non-empty").ToResult();
        }

        var isPhone = factor.Type == "phone";
        if (!(isPhone ? mfa.Phone.VerifyEnabled : mfa.Totp.VerifyEnabled))
        {
            return isPhone
                ? new AuthError(422, "mfa_phone_verify_not_enabled", "MFA verification is disabled for Phone").ToResult()
                : new AuthError(422, "mfa_totp_verify_not_enabled", "MFA verification is disabled for TOTP").ToResult();
        }

        var challenge = await ValidChallengeAsync(tx, s, factor, input.ChallengeId, now);
        long? step = isPhone ? null : TotpKey.MatchingStep(factor.Secret ?? string.Empty, input.Code, now);
        if (isPhone && !await PhoneFactors.CodeMatchesAsync(tx, challenge.Id, input.Code, s.Aborted))
        {
            return new AuthError(422, "mfa_verification_failed", "Invalid MFA Phone code entered").ToResult();
        }

        // A code opens one challenge: its step, or an earlier one, is refused once a code was accepted.
        if (!isPhone && (step is not { } totpStep || totpStep <= factor.LastTotpStep))
        {
            return new AuthError(422, "mfa_verification_failed", "Invalid TOTP code entered").ToResult();
        }

        if (isPhone)
        {
            await PhoneFactors.MarkVerifiedAsync(tx, factor.Id, challenge.Id, now, s.Aborted);
        }
        else
        {
            await factor.MarkVerifiedAsync(tx, challenge.Id, step!.Value, now, s.Aborted);
        }

        return await RaiseToAal2Async(tx, s, user, session, factor, challenge.Id, now);
    }

    /// <summary>
    /// The end of every successful verification (GoTrue's updateMFASessionAndClaims and what follows it): the
    /// session reaches aal2 through the factor, the user's other unverified factors of its type go, and the
    /// session is answered with a new refresh token.
    /// </summary>
    private static async Task<IResult> RaiseToAal2Async(
        RlsTransaction tx, AuthServices s, User user, Session session, Factor factor, Guid challengeId, DateTimeOffset now)
    {
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorVerificationAttempted, now, new Dictionary<string, object>
        {
            ["factor_id"] = factor.Id,
            ["challenge_id"] = challengeId,
            ["factor_type"] = factor.Type,
        }, s.Aborted);
        var refreshToken = await AuthenticatorAssurance.RaiseAsync(tx, session, factor, now, s.Aborted);
        await factor.DeleteUnverifiedSiblingsAsync(tx, s.Aborted);
        tx.Add(User.FindById(user.Id));
        tx.Add(Session.Amr(session.Id));
        IssuedSession issued;
        await using (var reader = await tx.ExecuteReaderAsync(s.Aborted))
        {
            var raised = await User.ReadAsync(reader, s.Aborted) ?? throw new AuthException(AuthErrors.UserNotFound());
            await reader.NextResultAsync(s.Aborted);
            issued = s.Tokens.Issue(s.Project, raised, session, refreshToken, await Session.ReadAmrAsync(reader, s.Aborted));
        }

        await tx.CommitAsync(s.Aborted);
        return issued.ToResult();
    }

    private static async Task<IResult> UnenrollFactor([AsParameters] AuthServices s, string factorId)
    {
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, session) = await FactorOwnerAsync(tx, s);
        var factor = await OwnedFactorAsync(tx, user.Id, factorId, s.Aborted);
        if (factor.IsVerified && !await AuthenticatorAssurance.IsAal2Async(tx, session.Id, s.Aborted))
        {
            return new AuthError(422, "insufficient_aal", "AAL2 required to unenroll verified factor").ToResult();
        }

        await factor.DeleteAsync(tx, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorUnenrolled, now, new Dictionary<string, object>
        {
            ["factor_id"] = factor.Id,
            ["factor_status"] = factor.Status,
            ["session_id"] = session.Id,
        }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return TypedResults.Json(new Dictionary<string, object> { ["id"] = factor.Id });
    }

    /// <summary>
    /// The caller of a /factors route (GoTrue's requireAuthentication + requireNotAnonymous): a signed-in user
    /// with a session, not an anonymous one.
    /// </summary>
    private static async Task<(User User, Session Session)> FactorOwnerAsync(RlsTransaction tx, AuthServices s)
    {
        var (user, session) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        if (user.IsAnonymous)
        {
            throw new AuthException(new AuthError(403, "no_authorization", "Anonymous user not allowed to perform these actions"));
        }

        return (user, session ?? throw new AuthException(AuthErrors.SessionNotFound()));
    }

    /// <summary>GoTrue's loadFactor: the path's factor, among the user's own.</summary>
    private static async Task<Factor> OwnedFactorAsync(RlsTransaction tx, Guid userId, string factorId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(factorId, out var id))
        {
            throw new AuthException(new AuthError(404, "validation_failed", "factor_id must be an UUID"));
        }

        return await Factor.FindOwnedAsync(tx, userId, id, cancellationToken)
            ?? throw new AuthException(new AuthError(404, "mfa_factor_not_found", "Factor not found"));
    }

    /// <summary>GoTrue's validateChallenge: the factor's challenge, unspent, from this address, and not expired (an expired one is deleted).</summary>
    private static async Task<Challenge> ValidChallengeAsync(RlsTransaction tx, AuthServices s, Factor factor, Guid? challengeId, DateTimeOffset now)
    {
        var challenge = await factor.FindChallengeAsync(tx, challengeId ?? Guid.Empty, s.Aborted)
            ?? throw new AuthException(new AuthError(422, "mfa_factor_not_found", "MFA factor with the provided challenge ID not found"));
        if (challenge.VerifiedAt is not null || !challenge.IpAddress.Equals(ClientAddress(s.Context)))
        {
            throw new AuthException(new AuthError(422, "mfa_ip_address_mismatch", "Challenge and verify IP addresses mismatch."));
        }

        if (now > challenge.ExpiresAt(ChallengeExpiry(s)))
        {
            await Factor.DeleteChallengeAsync(tx, challenge.Id, s.Aborted);
            await tx.CommitAsync(s.Aborted);
            throw new AuthException(new AuthError(
                422, "mfa_challenge_expired", $"MFA challenge {challenge.Id} has expired, verify against another challenge or create a new challenge."));
        }

        return challenge;
    }

    /// <summary>
    /// GoTrue's UserUpdate: once a user has a verified factor, a new password or email needs an aal2 session
    /// (else a stolen password alone could take the account over).
    /// </summary>
    private static async Task RequireAal2WhenMfaEnabledAsync(
        RlsTransaction tx, User user, Session? session, bool changesCredentials, CancellationToken cancellationToken)
    {
        if (changesCredentials
            && (await Factor.ListAsync(tx, user.Id, cancellationToken)).Any(f => f.IsVerified)
            && (session is null || !await AuthenticatorAssurance.IsAal2Async(tx, session.Id, cancellationToken)))
        {
            throw new AuthException(new AuthError(401, "insufficient_aal", "AAL2 session is required to update email or password when MFA is enabled."));
        }
    }

    // GoTrue raises a configured expiry below 300 s to 300 s.
    private static int ChallengeExpiry(AuthServices s) => Math.Max(300, s.Project.Settings.Auth.Mfa.ChallengeExpiryDuration);

    private static IPAddress ClientAddress(HttpContext context) =>
        IPAddress.TryParse(ClientIp.Of(context), out var address) ? address : IPAddress.None;
}
