using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// Phone factors of /factors (GoTrue's enrollPhoneFactor, challengePhoneFactor, verifyPhoneFactor): the code of each
// challenge goes out by SMS as phone sign-in's do (the Send SMS hook, or captured with kind "mfa").
internal static partial class AuthApi
{
    /// <summary>The number to enroll, digits only, or GoTrue's refusal.</summary>
    private static string FactorPhone(EnrollFactorParams input) =>
        string.IsNullOrEmpty(input.Phone)
            ? throw new AuthException(AuthErrors.BadRequestValidation("Phone number required to enroll Phone factor"))
            : Credentials.ValidPhone(input.Phone);

    /// <summary>A verified factor for the number already exists: refused; unverified ones for it are replaced.</summary>
    private static async Task ReplaceFactorsOfNumberAsync(RlsTransaction tx, AuthServices s, User user, string phone)
    {
        var (unverified, anyVerified) = await PhoneFactors.OfNumberAsync(tx, user.Id, phone, s.Aborted);
        if (anyVerified)
        {
            throw new AuthException(new AuthError(
                422, "mfa_verified_factor_exists", "A verified phone factor already exists, unenroll the existing factor to continue"));
        }

        await PhoneFactors.DeleteAsync(tx, unverified, s.Aborted);
    }

    private static async Task<IResult> EnrollPhoneFactorAsync(
        RlsTransaction tx, AuthServices s, User user, string friendlyName, string phone, string givenPhone, DateTimeOffset now)
    {
        var id = await PhoneFactors.InsertAsync(tx, user.Id, friendlyName, phone, now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorEnrolling, now,
            new Dictionary<string, object> { ["factor_id"] = id, ["factor_type"] = "phone" }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["id"] = id,
            ["type"] = "phone",
            ["friendly_name"] = friendlyName,
            ["phone"] = givenPhone,
        });
    }

    /// <summary>A challenge whose code is sent to the factor's number; one per <c>mfa.phone.max_frequency_seconds</c>.</summary>
    private static async Task<Guid> CreatePhoneChallengeAsync(RlsTransaction tx, AuthServices s, User user, Factor factor, DateTimeOffset now)
    {
        var settings = s.Project.Settings.Auth;
        var phoneSettings = settings.Mfa.Phone;
        if (!phoneSettings.VerifyEnabled)
        {
            throw new AuthException(new AuthError(422, "mfa_phone_verify_not_enabled", "MFA verification is disabled for Phone"));
        }

        PhoneOtps.CheckChannel(s, (await AuthBody.ReadAsync<ChallengeFactorParams>(s.Context)).Channel);
        var (phone, lastChallengedAt) = await PhoneFactors.NumberAsync(tx, factor.Id, s.Aborted);
        if (lastChallengedAt is { } last && last.AddSeconds(phoneSettings.MaxFrequencySeconds) > now)
        {
            throw new AuthException(AuthErrors.SmsRateLimited((int)Math.Ceiling((last.AddSeconds(phoneSettings.MaxFrequencySeconds) - now).TotalSeconds)));
        }

        var code = OneTimeTokens.Otp(phoneSettings.OtpLength);
        var challengeId = await PhoneFactors.CreateChallengeAsync(tx, factor.Id, ClientAddress(s.Context), code, now, s.Aborted);
        await s.Sms.SendAsync(tx, s.Context, settings, user, phone, code, "mfa", s.Aborted, phoneSettings.Template);
        return challengeId;
    }
}
