using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage;

/// <summary>
/// Renders what /storage/v1 requests run into in storage-api's shape: the tenant resolution's failures,
/// thrown <see cref="StorageError"/>s and the Postgres errors RLS and constraints raise (its DBError mapping).
/// </summary>
internal sealed partial class StorageErrorRenderer(ILogger<StorageErrorRenderer> logger) : IModuleErrorRenderer
{
    public IResult TenantFailed(TenantRequest failed) => failed.Failure switch
    {
        TenantFailure.NoProject or TenantFailure.UnknownProject => new StorageErrorResult(new StorageError(400, "TenantNotFound", failed.FailureMessage!)),
        TenantFailure.MissingJwt => new StorageErrorResult(new StorageError(400, "InvalidJWT", "headers must have required property 'authorization'")),
        _ => new StorageErrorResult(StorageError.AccessDenied(JoseMessage(failed.FailureMessage))),
    };

    /// <summary>
    /// storage-api verifies the bearer token with jose and answers its failure as AccessDenied (statusCode "403",
    /// the legacy <c>error</c> "Unauthorized") carrying jose's own message, which storage-js shows as is.
    /// </summary>
    private static string JoseMessage(string? failure) => failure switch
    {
        JwtVerification.Malformed => "Invalid Compact JWS",
        JwtVerification.BadSignature => "signature verification failed",
        JwtVerification.Expired => "\"exp\" claim timestamp check failed",
        JwtVerification.NotYetValid => "\"nbf\" claim timestamp check failed",
        _ => failure ?? "Invalid Compact JWS",
    };

    public IResult? QueryNotStorable() => new StorageErrorResult(StorageError.InvalidRequest(PostgresText.Refusal));

    public IResult TextNotStorable(PostgresException refused) => new StorageErrorResult(StorageError.InvalidRequest("invalid input"));

    public IResult DatabaseUnavailable(Exception error) => new StorageErrorResult(StorageError.DatabaseUnavailable());

    public IResult? Render(Exception error, TenantRequest tenant) =>
        ToStorageError(error) is { } storage ? new StorageErrorResult(storage) : null;

    /// <summary>What storage-api makes of an error (its DBError mapping); null when it is not the module's to answer. The S3 protocol renders the same verdicts as XML.</summary>
    public StorageError? ToStorageError(Exception error) => error switch
    {
        StorageError storage => storage,
        PostgresException postgres => FromPostgres(postgres),
        BadHttpRequestException => StorageError.InvalidRequest("invalid request body"),
        _ => null,
    };

    private StorageError FromPostgres(PostgresException error)
    {
        switch (error.SqlState)
        {
            case PostgresErrorCodes.InsufficientPrivilege:
                return error.MessageText.Contains("row-level security", StringComparison.Ordinal)
                    ? StorageError.AccessDenied("new row violates row-level security policy")
                    : StorageError.AccessDenied("Access denied");
            case PostgresErrorCodes.UniqueViolation:
                return StorageError.Duplicate();
            case PostgresErrorCodes.ForeignKeyViolation:
                return StorageError.NoSuchBucket();
            case PostgresErrorCodes.InvalidTextRepresentation or PostgresErrorCodes.StringDataRightTruncation:
                return StorageError.InvalidRequest("invalid input");
            default:
                LogDatabaseError(logger, error.SqlState, error.MessageText);
                return StorageError.Internal();
        }
    }

    [LoggerMessage(EventId = EventIds.StorageDatabaseError, Level = LogLevel.Error, Message = "Storage database error {SqlState}: {Message}")]
    private static partial void LogDatabaseError(ILogger logger, string sqlState, string message);
}
