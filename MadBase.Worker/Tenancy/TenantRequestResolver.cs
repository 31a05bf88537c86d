using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using Microsoft.Net.Http.Headers;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// Ties a request to its project (the Gateway's header) and its caller (the bearer JWT, verified with that
/// project's secret or, for RS256/ES256, the project key its kid names). The header alone proves nothing: a JWT signed for another project fails here, and a
/// token that names a different project in its <c>ref</c> claim is refused.
/// </summary>
internal sealed class TenantRequestResolver(ProjectDirectory projects, JwtVerifier verifier)
{
    private static readonly object ItemKey = new();

    public async ValueTask<TenantRequest> ResolveAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached) && cached is TenantRequest done)
        {
            return done;
        }

        var result = await ResolveUncachedAsync(context);
        context.Items[ItemKey] = result;
        if (result.Project is { } project)
        {
            // A project the directory knows, never the header's raw text.
            RequestProject.Identify(context, project.Ref);
        }

        return result;
    }

    private async ValueTask<TenantRequest> ResolveUncachedAsync(HttpContext context)
    {
        var projectRef = context.Request.Headers[ProjectHeaders.ProjectRef].ToString();
        if (projectRef.Length == 0)
        {
            return TenantRequest.Fail(TenantFailure.NoProject, "no project: requests reach workers through the gateway");
        }

        var project = await projects.FindAsync(projectRef, context.RequestAborted);
        if (project is null)
        {
            return TenantRequest.Fail(TenantFailure.UnknownProject, "project not found");
        }

        var token = BearerToken.Read(context.Request.Headers[HeaderNames.Authorization].ToString());
        if (token is null)
        {
            // The Gateway always forwards a key as the bearer, so a request without one either came by a
            // key-optional route or bypassed the Gateway; the latter must not run as anon in any project.
            return KeyOptionalRoutes.Matches(context.Request)
                ? new TenantRequest(project, Caller.Anonymous, TenantFailure.None, null)
                : TenantRequest.Fail(TenantFailure.MissingJwt, "no API key found in request", project);
        }

        var verification = await verifier.VerifyAsync(token, project.JwtSecret, project.SigningKeys);
        if (!verification.IsValid)
        {
            return TenantRequest.Fail(TenantFailure.InvalidJwt, verification.Error ?? JwtVerification.Malformed, project);
        }

        if (verification.ProjectRef is { } claimedRef && !string.Equals(claimedRef, project.Ref, StringComparison.Ordinal))
        {
            return TenantRequest.Fail(TenantFailure.InvalidJwt, JwtVerification.BadSignature, project);
        }

        var role = verification.Role ?? ApiRoles.Anon;
        if (!ApiRoles.IsAllowed(role))
        {
            return TenantRequest.Fail(TenantFailure.RoleNotAllowed, $"role \"{role}\" is not allowed", project);
        }

        return new TenantRequest(project, new Caller(role, verification.ClaimsJson, verification.Subject), TenantFailure.None, null);
    }
}
