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
        var project = tenant.Project;
        var settings = project.Settings.Auth;
        var input = await AuthBody.ReadAsync<UserUpdateParams>(s.Context);
        var data = AuthBody.ObjectJson(input.Data, "data");
        string? hash = null;
        if (input.Password is not null)
        {
            Credentials.CheckPassword(settings, input.Password);
            hash = await s.Passwords.HashAsync(input.Password, s.Aborted);
        }

        var email = string.IsNullOrEmpty(input.Email) ? null : Credentials.ValidEmail(input.Email);
        var now = s.Clock.GetUtcNow();

        await using var tx = await s.BeginAsync();
        var (user, session) = await BearerSession.LoadAsync(tx, tenant, s.Aborted);
        var changesEmail = email is not null && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase);
        await RequireAal2WhenMfaEnabledAsync(tx, user, session, !string.IsNullOrEmpty(input.Password) || changesEmail, s.Aborted);
        if (input.Password is not null && hash is not null)
        {
            await RequireReauthenticationAsync(tx, s, user, session, input.Nonce, now);
            if (await s.Passwords.VerifyAsync(user.EncryptedPassword, input.Password, s.Aborted))
            {
                return AuthErrors.SamePassword().ToResult();
            }

            await user.SetPasswordAsync(tx, hash, now, s.Aborted);
            // As GoTrue's UpdatePassword: every other session of the user ends.
            await Session.DeleteAsync(tx, user.Id, session?.Id, session is null ? "global" : "others", s.Aborted);
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserUpdatePassword, now, null, s.Aborted);
        }

        if (data is not null)
        {
            await user.MergeUserMetadataAsync(tx, data, now, s.Aborted);
        }

        if (email is not null && !string.Equals(email, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            var taken = await User.FindByEmailAsync(tx, email, s.Aborted);
            if (taken is not null && taken.Id != user.Id)
            {
                return AuthErrors.EmailExists().ToResult();
            }

            if (settings.Autoconfirm)
            {
                await user.SetEmailAsync(tx, email, confirmed: true, now, s.Aborted);
            }
            else
            {
                var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
                await EmailChangeMails.SendAsync(tx, s, project, user, email, challenge, RedirectQuery(s));
            }
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.UserModified, now, null, s.Aborted);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }
}
