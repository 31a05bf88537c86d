namespace MadBase.Worker.Auth;

// /admin/users/{id}/factors (GoTrue's admin.go), for service_role callers only.
internal static partial class AuthApi
{
    private static async Task<IResult> ListUserFactors([AsParameters] AuthServices s, string id)
    {
        RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var user = await FactorsUserAsync(tx, id, s.Aborted);
        var factors = await Factor.ListAsync(tx, user.Id, s.Aborted);
        return Json("[" + string.Join(",", factors.Select(f => f.Json)) + "]");
    }

    private static async Task<IResult> DeleteUserFactor([AsParameters] AuthServices s, string id, string factorId)
    {
        RequireAdmin(s);
        await using var tx = await s.BeginAsync();
        var user = await FactorsUserAsync(tx, id, s.Aborted);
        var factor = await OwnedFactorAsync(tx, user.Id, factorId, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorDeleted, s.Clock.GetUtcNow(),
            new Dictionary<string, object> { ["user_id"] = user.Id, ["factor_id"] = factor.Id }, s.Aborted);
        await factor.DeleteAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(factor.Json);
    }

    private static async Task<IResult> UpdateUserFactor([AsParameters] AuthServices s, string id, string factorId)
    {
        RequireAdmin(s);
        var input = await AuthBody.ReadAsync<AdminFactorParams>(s.Context);
        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await FactorsUserAsync(tx, id, s.Aborted);
        var factor = await OwnedFactorAsync(tx, user.Id, factorId, s.Aborted);
        if (!string.IsNullOrEmpty(input.FriendlyName))
        {
            await factor.RenameAsync(tx, input.FriendlyName, now, s.Aborted);
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.FactorUpdated, now, new Dictionary<string, object>
        {
            ["user_id"] = user.Id,
            ["factor_id"] = factor.Id,
            ["factor_type"] = factor.Type,
        }, s.Aborted);
        factor = await factor.ReloadAsync(tx, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Json(factor.Json);
    }

    /// <summary>GoTrue's loadUser for these routes: a malformed id is 404 validation_failed, an unknown one 404 user_not_found.</summary>
    private static async Task<User> FactorsUserAsync(Tenancy.RlsTransaction tx, string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var userId))
        {
            throw new AuthException(new AuthError(404, "validation_failed", "user_id must be an UUID"));
        }

        return await User.FindByIdAsync(tx, userId, cancellationToken) ?? throw new AuthException(AuthErrors.UserNotFound());
    }
}
