namespace MadBase.Worker.Auth;

// POST /invite (GoTrue's invite.go), for service_role callers only.
internal static partial class AuthApi
{
    private static async Task<IResult> Invite([AsParameters] AuthServices s)
    {
        var project = RequireAdmin(s);
        var input = await AuthBody.ReadAsync<AdminUserParams>(s.Context);
        var email = Credentials.ValidEmail(input.Email);
        var data = AuthBody.ObjectJson(input.Data, "data") ?? "{}";
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is not null && user.IsConfirmed)
        {
            return AuthErrors.EmailExists().ToResult();
        }

        user ??= await User.CreateAsync(
            tx, new NewUser(email, null, null, """{"provider":"email","providers":["email"]}""", data, "email", false, Invited: true), now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Invited, now, new Dictionary<string, object> { ["user_email"] = email }, s.Aborted);
        await TokenMails.SendAsync(tx, s, project, user, MailKind.Invite, null, "invite", RedirectQuery(s) ?? input.RedirectTo);
        user = await user.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(user.Json);
    }
}
