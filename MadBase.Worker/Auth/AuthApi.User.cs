using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

// GET /user, PUT /user (GoTrue's user.go).
internal static partial class AuthApi
{
    private static async Task<IResult> GetUser([AsParameters] AuthServices s)
    {
        var tenant = s.Tenant;
        await using var tx = await s.BeginAsync();
        var (user, _) = await BearerSession.LoadAsync(tx, tenant, s.Aborted);
        return Json(user.Json);
    }

    private static async Task<IResult> UpdateUser([AsParameters] AuthServices s)
    {
        var tenant = s.Tenant;
        var settings = tenant.Project.Settings.Auth;
        var input = await AuthBody.ReadAsync<UserUpdateParams>(s.Context);
        var data = AuthBody.ObjectJson(input.Data, "data");
        string? hash = null;
        if (input.Password is not null)
        {
            Credentials.CheckPassword(settings, input.Password);
            hash = await s.Passwords.HashAsync(input.Password, s.Aborted);
        }

        var email = string.IsNullOrEmpty(input.Email) ? null : Credentials.ValidEmail(input.Email);
        var phone = string.IsNullOrEmpty(input.Phone) ? null : Credentials.ValidPhone(input.Phone);
        if (phone is not null)
        {
            PhoneOtps.CheckChannel(s, input.Channel);
        }

        var now = s.Clock.GetUtcNow();

        await using var tx = await s.BeginAsync();
        var (user, session) = await BearerSession.LoadAsync(tx, tenant, s.Aborted);
        var changesEmail = email is not null && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase);
        var changesPhone = phone is not null && phone != user.Phone;
        await RequireAal2WhenMfaEnabledAsync(tx, user, session, !string.IsNullOrEmpty(input.Password) || changesEmail || changesPhone, s.Aborted);
        if (input.Password is not null && hash is not null
            && await ChangePasswordAsync(tx, s, user, session, input.Password, input.Nonce, hash, now) is { } samePassword)
        {
            return samePassword;
        }

        if (data is not null)
        {
            await user.MergeUserMetadataAsync(tx, data, now, s.Aborted);
        }

        if (email is not null && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase)
            && await ChangeEmailAsync(tx, s, user, input, email, now) is { } emailTaken)
        {
            return emailTaken;
        }

        if (changesPhone && await ChangePhoneAsync(tx, s, user, phone!, now) is { } phoneTaken)
        {
            return phoneTaken;
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserModified, now, null, s.Aborted);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }

    /// <summary>
    /// The new password, once reauthenticated if the project asks it; a password the same as the old one is
    /// refused (the answer returned).
    /// </summary>
    private static async Task<IResult?> ChangePasswordAsync(
        RlsTransaction tx, AuthServices s, User user, Session? session, string password, string? nonce, string hash, DateTimeOffset now)
    {
        await RequireReauthenticationAsync(tx, s, user, session, nonce, now);
        if (await s.Passwords.VerifyAsync(user.EncryptedPassword, password, s.Aborted))
        {
            return AuthErrors.SamePassword().ToResult();
        }

        await user.SetPasswordAsync(tx, hash, now, s.Aborted);
        // As GoTrue's UpdatePassword: every other session of the user ends.
        await Session.DeleteAsync(tx, user.Id, session?.Id, session is null ? "global" : "others", s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserUpdatePassword, now, null, s.Aborted);
        return null;
    }

    /// <summary>
    /// The new email: set at once with autoconfirm, else mailed for confirmation; an email another user has is
    /// refused (the answer returned).
    /// </summary>
    private static async Task<IResult?> ChangeEmailAsync(
        RlsTransaction tx, AuthServices s, User user, UserUpdateParams input, string email, DateTimeOffset now)
    {
        var taken = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (taken is not null && taken.Id != user.Id)
        {
            return AuthErrors.EmailExists().ToResult();
        }

        if (s.Project.Settings.Auth.Autoconfirm)
        {
            await user.SetEmailAsync(tx, email, confirmed: true, now, s.Aborted);
        }
        else
        {
            var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
            await EmailChangeMails.SendAsync(tx, s, s.Project, user, email, challenge, RedirectQuery(s));
        }

        return null;
    }

    /// <summary>
    /// The new phone number: set at once with SMS autoconfirm, else sent an OTP to verify with type phone_change;
    /// a number another user has is refused (the answer returned).
    /// </summary>
    private static async Task<IResult?> ChangePhoneAsync(RlsTransaction tx, AuthServices s, User user, string phone, DateTimeOffset now)
    {
        if (await User.FindByPhoneAsync(tx, phone, s.Aborted) is not null)
        {
            return AuthErrors.PhoneExists().ToResult();
        }

        if (s.Project.Settings.Auth.Sms.Autoconfirm)
        {
            await user.ConfirmPhoneChangeAsync(tx, phone, now, s.Aborted);
        }
        else
        {
            await PhoneOtps.SendAsync(tx, s, user, phone, OneTimeTokenType.PhoneChange);
        }

        return null;
    }
}
