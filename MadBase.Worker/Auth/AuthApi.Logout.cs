namespace MadBase.Worker.Auth;

// POST /logout (GoTrue's logout.go).
internal static partial class AuthApi
{
    private static async Task<IResult> Logout([AsParameters] AuthServices s)
    {
        var tenant = s.Tenant;
        var scope = s.Context.Request.Query["scope"].ToString();
        if (scope.Length == 0)
        {
            scope = "global";
        }

        if (scope is not ("global" or "local" or "others"))
        {
            return AuthErrors.BadRequestValidation("Unsupported logout scope \"" + scope + "\"").ToResult();
        }

        await using var tx = await s.BeginAsync();
        var (user, session) = await BearerSession.LoadAsync(tx, tenant, s.Aborted);
        await Session.DeleteAsync(tx, user.Id, session?.Id, scope, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Logout, s.Clock.GetUtcNow(), null, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Results.NoContent();
    }
}
