using MadBase.ServiceDefaults.Logging;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Rest;

/// <summary>
/// Renders what /rest/v1 requests run into in PostgREST's shape: the tenant resolution's failures
/// (PGRST301/302 are 401), thrown <see cref="RestException"/>s, and database errors mapped by SQLSTATE.
/// </summary>
internal sealed partial class RestErrorRenderer(ILogger<RestErrorRenderer> logger) : IModuleErrorRenderer
{
    public IResult TenantFailed(TenantRequest failed) => new RestErrorResult(failed.Failure switch
    {
        TenantFailure.NoProject or TenantFailure.UnknownProject =>
            new RestException(StatusCodes.Status404NotFound, "PGRST000", failed.FailureMessage ?? "project not found"),
        TenantFailure.MissingJwt => new RestException(StatusCodes.Status401Unauthorized, "PGRST302", "Anonymous access is disabled"),
        TenantFailure.RoleNotAllowed => new RestException(StatusCodes.Status401Unauthorized, "PGRST301", failed.FailureMessage ?? "JWT role is not allowed"),
        _ => new RestException(StatusCodes.Status401Unauthorized, "PGRST301", failed.FailureMessage ?? "JWT could not be decoded"),
    });

    // The query is the parser's: what Postgres cannot store fails there or at the database, as in PostgREST.
    public IResult? QueryNotStorable() => null;

    public IResult TextNotStorable(PostgresException refused) => FromPostgres(refused, anonymous: false);

    /// <summary>PostgREST's own answer for class 08, 53300 and 57P0x; PGRST000 when Postgres said nothing.</summary>
    public IResult DatabaseUnavailable(Exception error)
    {
        if (error is PostgresException postgres)
        {
            return FromPostgres(postgres, anonymous: false);
        }

        LogConnectionError(logger, error);
        return new RestErrorResult(new RestException(StatusCodes.Status503ServiceUnavailable, "PGRST000", "Could not connect with the database"));
    }

    public IResult? Render(Exception error, TenantRequest tenant) => error switch
    {
        RestException rest => new RestErrorResult(rest),
        PostgresException postgres => FromPostgres(postgres, tenant.Caller.Role == ApiRoles.Anon),
        NpgsqlException => DatabaseUnavailable(error),
        _ => null,
    };

    private RestErrorResult FromPostgres(PostgresException error, bool anonymous)
    {
        LogDatabaseError(logger, error.SqlState, error.MessageText);
        return new RestErrorResult(RestException.FromPostgres(error, anonymous));
    }

    [LoggerMessage(EventId = EventIds.RestDatabaseError, Level = LogLevel.Debug, Message = "Database error {SqlState}: {Message}")]
    private static partial void LogDatabaseError(ILogger logger, string sqlState, string message);

    [LoggerMessage(EventId = EventIds.RestDatabaseConnectionFailed, Level = LogLevel.Warning, Message = "Database connection failed")]
    private static partial void LogConnectionError(ILogger logger, Exception exception);
}
