using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>
/// Resolves the tenant for every /auth/v1 route and answers failures in GoTrue's shape, including the
/// <see cref="AuthException"/>s handlers and models throw, and the project's database being unavailable.
/// </summary>
internal sealed class AuthTenantFilter(TenantScope scope) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var tenant = await scope.ResolveAsync(context.HttpContext);
        switch (tenant.Failure)
        {
            case TenantFailure.None:
                if (!PostgresText.IsStorable(context.HttpContext.Request.Query))
                {
                    return AuthErrors.BadRequestValidation(PostgresText.Refusal).ToResult();
                }

                try
                {
                    return await next(context);
                }
                catch (AuthException e)
                {
                    return e.Error.ToResult();
                }
                catch (Exception e) when (ProjectDatabaseUnavailableException.Describes(e) && !context.HttpContext.Response.HasStarted)
                {
                    return AuthErrors.DatabaseUnavailable().ToResult();
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
                                                  && !context.HttpContext.Response.HasStarted)
                {
                    // Text the database cannot encode came from the client (the checks on the query and body find
                    // it first; this covers any other way in). Other database errors stay the server's.
                    return AuthErrors.BadRequestValidation(PostgresText.Refusal).ToResult();
                }

            case TenantFailure.NoProject or TenantFailure.UnknownProject:
                return new AuthErrorResult(new AuthError(StatusCodes.Status404NotFound, "project_not_found", tenant.FailureMessage!));
            case TenantFailure.MissingJwt:
                return new AuthErrorResult(new AuthError(StatusCodes.Status401Unauthorized, "no_authorization", tenant.FailureMessage!));
            case TenantFailure.RoleNotAllowed:
                return new AuthErrorResult(new AuthError(StatusCodes.Status403Forbidden, "bad_jwt", tenant.FailureMessage!));
            default:
                return new AuthErrorResult(new AuthError(StatusCodes.Status403Forbidden, "bad_jwt", "invalid JWT: unable to parse or verify signature"));
        }
    }
}
