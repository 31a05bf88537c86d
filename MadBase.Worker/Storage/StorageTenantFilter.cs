using MadBase.ServiceDefaults.Database;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage;

/// <summary>
/// Resolves the tenant for every /storage/v1 route and renders failures, thrown <see cref="StorageError"/>s
/// and the Postgres errors RLS and constraints raise in storage-api's shape (its DBError mapping).
/// </summary>
internal sealed partial class StorageTenantFilter(TenantScope scope, ILogger<StorageTenantFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var tenant = await scope.ResolveAsync(http);
        switch (tenant.Failure)
        {
            case TenantFailure.None:
                break;
            case TenantFailure.NoProject or TenantFailure.UnknownProject:
                return new StorageErrorResult(new StorageError(400, "TenantNotFound", tenant.FailureMessage!));
            case TenantFailure.MissingJwt:
                return new StorageErrorResult(new StorageError(400, "InvalidJWT", "headers must have required property 'authorization'"));
            default:
                return new StorageErrorResult(StorageError.InvalidJwt(tenant.FailureMessage ?? "invalid JWT"));
        }

        if (!PostgresText.IsStorable(http.Request.Query))
        {
            return new StorageErrorResult(StorageError.InvalidRequest(PostgresText.Refusal));
        }

        try
        {
            return await next(context);
        }
        catch (StorageError error) when (!http.Response.HasStarted)
        {
            return new StorageErrorResult(error);
        }
        catch (Exception error) when (ProjectDatabaseUnavailableException.Describes(error) && !http.Response.HasStarted
                                      && !http.RequestAborted.IsCancellationRequested)
        {
            // Only this project's database: a 503, not the 500 of a statement that failed.
            return new StorageErrorResult(StorageError.DatabaseUnavailable());
        }
        catch (PostgresException error) when (!http.Response.HasStarted)
        {
            return new StorageErrorResult(FromPostgres(error));
        }
        catch (BadHttpRequestException) when (!http.Response.HasStarted)
        {
            return new StorageErrorResult(StorageError.InvalidRequest("invalid request body"));
        }
        catch (Exception error) when (http.RequestAborted.IsCancellationRequested && error is OperationCanceledException or IOException)
        {
            // The client went away mid-stream; whatever was half-written has been cleaned up by the handler.
            LogAborted(logger, http.Request.Path);
            return Results.Empty;
        }
    }

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
            case PostgresErrorCodes.InvalidTextRepresentation or PostgresErrorCodes.StringDataRightTruncation
                or PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter:
                return StorageError.InvalidRequest("invalid input");
            default:
                LogDatabaseError(logger, error.SqlState, error.MessageText);
                return StorageError.Internal();
        }
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Error, Message = "Storage database error {SqlState}: {Message}")]
    private static partial void LogDatabaseError(ILogger logger, string sqlState, string message);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Storage request {Path} aborted by the client")]
    private static partial void LogAborted(ILogger logger, PathString path);
}
