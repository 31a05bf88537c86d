using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>
/// Renders what /auth/v1 requests run into in GoTrue's shape: the tenant resolution's failures, the
/// <see cref="AuthException"/>s handlers and models throw, and the project's database being unavailable.
/// </summary>
internal sealed class AuthErrorRenderer : IModuleErrorRenderer
{
    public IResult TenantFailed(TenantRequest failed) => failed.Failure switch
    {
        TenantFailure.NoProject or TenantFailure.UnknownProject =>
            new AuthError(StatusCodes.Status404NotFound, "project_not_found", failed.FailureMessage!).ToResult(),
        TenantFailure.MissingJwt => new AuthError(StatusCodes.Status401Unauthorized, "no_authorization", failed.FailureMessage!).ToResult(),
        TenantFailure.RoleNotAllowed => new AuthError(StatusCodes.Status403Forbidden, "bad_jwt", failed.FailureMessage!).ToResult(),
        _ => new AuthError(StatusCodes.Status403Forbidden, "bad_jwt", "invalid JWT: unable to parse or verify signature").ToResult(),
    };

    public IResult? QueryNotStorable() => AuthErrors.BadRequestValidation(PostgresText.Refusal).ToResult();

    // The checks on the query and body find such text first; this covers any other way in.
    public IResult TextNotStorable(PostgresException refused) => AuthErrors.BadRequestValidation(PostgresText.Refusal).ToResult();

    public IResult DatabaseUnavailable(Exception error) => AuthErrors.DatabaseUnavailable().ToResult();

    // Other database errors stay the server's.
    public IResult? Render(Exception error, TenantRequest tenant) => error is AuthException auth ? auth.Error.ToResult() : null;
}
