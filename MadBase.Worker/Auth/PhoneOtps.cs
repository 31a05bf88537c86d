using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// SMS one-time passwords (GoTrue's sendPhoneConfirmation and smsVerify's token check): a fresh OTP sent by
/// <see cref="SmsSender"/>, stored as sha224(phone + otp) in the user's column for it and in one_time_tokens, as the
/// mailed OTPs are, and valid for <c>sms.otp_exp_seconds</c>.
/// </summary>
internal static class PhoneOtps
{
    /// <summary>
    /// Sends a confirmation (sign-up, sign-in) or reauthentication OTP to the user's number, or a phone-change OTP to
    /// <paramref name="phone"/>; at most one per kind and user per <c>sms.max_frequency_seconds</c>, and, without
    /// autoconfirm, <c>sms.rate_limit_sent</c> per hour for the project.
    /// </summary>
    public static async Task SendAsync(RlsTransaction tx, AuthServices s, User user, string phone, OneTimeTokenType type)
    {
        var settings = s.Project.Settings.Auth;
        var sms = settings.Sms;
        var now = s.Clock.GetUtcNow();
        if (await user.SentAtAsync(tx, type, s.Aborted) is { } sentAt && sentAt.AddSeconds(sms.MaxFrequencySeconds) > now)
        {
            throw new AuthException(AuthErrors.SmsRateLimited((int)Math.Ceiling((sentAt.AddSeconds(sms.MaxFrequencySeconds) - now).TotalSeconds)));
        }

        // As GoTrue, the hourly limit applies only without autoconfirm.
        if (!sms.Autoconfirm)
        {
            await s.Limiter.CheckProjectAsync(s.Project, "sms_sent", sms.RateLimitSent, TimeSpan.FromHours(1), AuthErrors.SmsSentLimitReached());
        }

        var otp = OneTimeTokens.Otp(sms.OtpLength);
        await s.Sms.SendAsync(tx, s.Context, settings, user, phone, otp, type switch
        {
            OneTimeTokenType.PhoneChange => "phone_change",
            OneTimeTokenType.Reauthentication => "reauthentication",
            _ => "sms",
        }, s.Aborted);
        if (type == OneTimeTokenType.PhoneChange)
        {
            await user.RequestPhoneChangeAsync(tx, phone, s.Aborted);
        }

        await user.SetOneTimeTokenAsync(tx, type, OneTimeTokens.Hash(phone, otp), phone, now, s.Aborted);
    }

    /// <summary>
    /// The user an SMS OTP was sent to (GoTrue's verifyUserAndToken for <c>sms</c> and <c>phone_change</c>): the
    /// holder of the number, or the user changing to it, whose token matches and has not expired; else otp_expired.
    /// </summary>
    public static async Task<User> VerifyAsync(RlsTransaction tx, AuthServices s, string type, string phone, string otp)
    {
        var kind = type == "phone_change" ? OneTimeTokenType.PhoneChange : OneTimeTokenType.Confirmation;
        var user = type switch
        {
            "sms" => await User.FindByPhoneAsync(tx, phone, s.Aborted),
            "phone_change" => await User.FindByPhoneChangeAsync(tx, phone, s.Aborted),
            _ => null,
        };
        if (user is null)
        {
            throw new AuthException(AuthErrors.OtpExpired());
        }

        if (user.IsBanned(s.Clock.GetUtcNow()))
        {
            throw new AuthException(new AuthError(403, "user_banned", "User is banned"));
        }

        var holder = await User.FindByTokenAsync(tx, kind, OneTimeTokens.Hash(phone, otp), s.Aborted);
        if (holder?.Id != user.Id
            || await user.SentAtAsync(tx, kind, s.Aborted) is not { } sentAt
            || sentAt.AddSeconds(s.Project.Settings.Auth.Sms.OtpExpSeconds) < s.Clock.GetUtcNow())
        {
            throw new AuthException(AuthErrors.OtpExpired());
        }

        return user;
    }

    /// <summary>auth-js sends <c>channel</c> (sms or whatsapp); only the hook can carry any channel.</summary>
    public static void CheckChannel(AuthServices s, string? channel)
    {
        if (channel is { Length: > 0 } and not "sms" && !s.Project.Settings.Auth.Hooks.SendSms.Enabled)
        {
            throw new AuthException(AuthErrors.InvalidChannel());
        }
    }
}
