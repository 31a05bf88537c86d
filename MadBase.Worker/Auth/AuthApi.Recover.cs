namespace MadBase.Worker.Auth;

// POST /recover (GoTrue's recover.go). They answer {} whether or not the address is known,
// so they cannot be used to probe for accounts.
internal static partial class AuthApi
{
    private static async Task<IResult> Recover([AsParameters] AuthServices s)
    {
        var project = s.Project;
        await s.Limiter.CheckAsync(s.Context, project, "recover", project.Settings.Auth.RateLimitOtp, FiveMinutes);
        var input = await AuthBody.ReadAsync<MailRequestParams>(s.Context);
        var email = Credentials.ValidEmail(input.Email);
        var challenge = PkceFlow.Parse(input.CodeChallenge, input.CodeChallengeMethod);
        await using var tx = await s.BeginAsync();
        var user = await User.FindByEmailAsync(tx, email, s.Aborted);
        if (user is not null)
        {
            await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.RecoveryRequested, s.Clock.GetUtcNow(), null, s.Aborted);
            await TokenMails.SendAsync(tx, s, project, user, MailKind.Recovery, challenge, "recovery", RedirectOf(s, input));
            await tx.CommitAsync(s.Aborted);
        }

        return Empty();
    }
}
