namespace MadBase.Worker.Auth;

// GET /user/identities/authorize and DELETE /user/identities/{identityId} (GoTrue's identity.go; auth-js linkIdentity,
// unlinkIdentity): a signed-in user adds or removes a provider identity when the project allows manual linking.
internal static partial class AuthApi
{
    private static void MapIdentityRoutes(RouteGroupBuilder auth)
    {
        auth.MapGet("/user/identities/authorize", LinkIdentity);
        auth.MapDelete("/user/identities/{identityId}", UnlinkIdentity);
    }

    /// <summary>Starts an OAuth flow whose callback adds the identity to this user; auth-js asks for the URL as JSON.</summary>
    private static async Task<IResult> LinkIdentity([AsParameters] AuthServices s)
    {
        var user = await ManualLinkingUserAsync(s);
        var name = s.Context.Request.Query["provider"].ToString().ToLowerInvariant();
        var provider = s.Providers.Find(s.Project, name) ?? throw new AuthException(UnsupportedProvider(name));
        var url = await ProviderRedirectAsync(s, provider, user.Id);
        return s.Context.Request.Query["skip_http_redirect"] == "true"
            ? Results.Json(new Dictionary<string, string> { ["url"] = url })
            : Results.Redirect(url);
    }

    private static async Task<IResult> UnlinkIdentity([AsParameters] AuthServices s, string identityId)
    {
        await ManualLinkingUserAsync(s);
        if (!Guid.TryParse(identityId, out var id))
        {
            return new AuthError(404, "validation_failed", "identity_id must be an UUID").ToResult();
        }

        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var (user, _) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        if (await Identity.CountOfUserAsync(tx, user.Id, s.Aborted) <= 1)
        {
            return new AuthError(422, "single_identity_not_deletable", "User must have at least 1 identity after unlinking").ToResult();
        }

        if (await Identity.FindOfUserAsync(tx, user.Id, id, s.Aborted) is not { } identity)
        {
            return new AuthError(422, "identity_not_found", "Identity doesn't exist").ToResult();
        }

        await identity.DeleteAsync(tx, now, s.Aborted);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.IdentityUnlinked, now,
            new Dictionary<string, object> { ["identity_id"] = identity.Id, ["provider"] = identity.Provider, ["provider_id"] = identity.ProviderId }, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return Empty();
    }

    /// <summary>GoTrue's requireAuthentication, then requireManualLinkingEnabled.</summary>
    private static async Task<User> ManualLinkingUserAsync(AuthServices s)
    {
        User user;
        await using (var tx = await s.BeginAsync())
        {
            (user, _) = await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
        }

        return s.Project.Settings.Auth.SecurityManualLinkingEnabled
            ? user
            : throw new AuthException(new AuthError(404, "manual_linking_disabled", "Manual linking is disabled"));
    }
}
