using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>Resolves the tenant for every /auth/v1 route and answers failures in GoTrue's shape.</summary>
internal sealed class AuthTenantFilter(TenantScope scope) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var tenant = await scope.ResolveAsync(context.HttpContext);
        return tenant.Failure switch
        {
            TenantFailure.None => await next(context),
            TenantFailure.NoProject or TenantFailure.UnknownProject =>
                new AuthErrorResult(new AuthError(StatusCodes.Status404NotFound, "project_not_found", tenant.FailureMessage!)),
            TenantFailure.MissingJwt =>
                new AuthErrorResult(new AuthError(StatusCodes.Status401Unauthorized, "no_authorization", tenant.FailureMessage!)),
            TenantFailure.RoleNotAllowed =>
                new AuthErrorResult(new AuthError(StatusCodes.Status403Forbidden, "bad_jwt", tenant.FailureMessage!)),
            _ => new AuthErrorResult(new AuthError(StatusCodes.Status403Forbidden, "bad_jwt", "invalid JWT: unable to parse or verify signature")),
        };
    }
}
