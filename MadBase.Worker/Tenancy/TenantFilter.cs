using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// How a module answers, in its own wire shape (GoTrue's, PostgREST's, storage-api's), what any of its
/// requests can run into. <see cref="TenantFilter{TRenderer}"/> decides which case it is; this only renders.
/// </summary>
internal interface IModuleErrorRenderer
{
    /// <summary>The request could not be tied to a project and a caller (<see cref="TenantRequest.Failure"/>).</summary>
    IResult TenantFailed(TenantRequest failed);

    /// <summary>
    /// The query string holds text Postgres cannot store (NUL, unpaired surrogates), refused before the
    /// handler runs; null when the module leaves the query to its own parser.
    /// </summary>
    IResult? QueryNotStorable();

    /// <summary>Postgres refused text of the request it cannot encode (22021, 22P05): the client's error, not the server's.</summary>
    IResult TextNotStorable(PostgresException refused);

    /// <summary>The project's database is down or unreachable: a 503 that concerns this project only.</summary>
    IResult DatabaseUnavailable(Exception error);

    /// <summary>The module's own errors and any other database error; null when it is not the module's to answer (a 500).</summary>
    IResult? Render(Exception error, TenantRequest tenant);
}

/// <summary>
/// The one endpoint filter of every module's route group, and the one place its errors are caught: it
/// answers a request that could not be tied to a project and caller, and turns what a handler throws into the
/// module's wire shape (<typeparamref name="TRenderer"/>): a project database outage as that project's 503,
/// text Postgres cannot store as the client's 400, the module's own errors as they ask.
/// </summary>
internal sealed partial class TenantFilter<TRenderer>(TenantRequestResolver resolver, TRenderer renderer, ILogger<TRenderer> logger) : IEndpointFilter
    where TRenderer : IModuleErrorRenderer
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var tenant = await resolver.ResolveAsync(http);
        if (!tenant.Succeeded)
        {
            return renderer.TenantFailed(tenant);
        }

        if (!PostgresText.IsStorable(http.Request.Query) && renderer.QueryNotStorable() is { } refused)
        {
            return refused;
        }

        try
        {
            return await next(context);
        }
        catch (Exception error)
        {
            var answer = Answer(error, http, tenant);
            if (answer is null)
            {
                throw;
            }

            return answer;
        }
    }

    private IResult? Answer(Exception error, HttpContext http, TenantRequest tenant)
    {
        var aborted = http.RequestAborted.IsCancellationRequested;
        if (aborted && error is OperationCanceledException or IOException)
        {
            // The client went away mid-request; whatever was half-written has been cleaned up by the handler.
            LogAborted(logger, http.Request.Path);
            return Results.Empty;
        }

        if (http.Response.HasStarted)
        {
            // Too late for an answer of any shape: the host ends the response.
            return null;
        }

        return error switch
        {
            _ when !aborted && ProjectDatabaseUnavailableException.Describes(error) => renderer.DatabaseUnavailable(error),
            PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } refused =>
                renderer.TextNotStorable(refused),
            _ => renderer.Render(error, tenant),
        };
    }

    [LoggerMessage(EventId = EventIds.RequestAborted, Level = LogLevel.Information, Message = "Request {Path} aborted by the client")]
    private static partial void LogAborted(ILogger logger, PathString path);
}
