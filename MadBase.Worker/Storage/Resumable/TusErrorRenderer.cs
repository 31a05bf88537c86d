using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// Errors of the TUS routes as storage-api answers them (lifecycle.ts getTusError): the error's own status and
/// its message as a plain-text body, which tus-js-client shows and decides retries by. What fails before the
/// upload is reached (no project, a bad JWT) keeps storage-api's JSON shape, as its auth hook answers it.
/// </summary>
internal sealed class TusErrorRenderer(StorageErrorRenderer storage) : IModuleErrorRenderer
{
    public IResult TenantFailed(TenantRequest failed) => storage.TenantFailed(failed);

    public IResult? QueryNotStorable() => storage.QueryNotStorable();

    public IResult TextNotStorable(PostgresException refused) => AsTus(storage.TextNotStorable(refused));

    public IResult DatabaseUnavailable(Exception error) => AsTus(storage.DatabaseUnavailable(error));

    public IResult? Render(Exception error, TenantRequest tenant) => storage.Render(error, tenant) is { } rendered ? AsTus(rendered) : null;

    private static IResult AsTus(IResult rendered) => rendered is StorageErrorResult { Error: var error }
        ? new TusErrorResult(error)
        : rendered;

    private sealed class TusErrorResult(StorageError error) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = error.Status;
            response.Headers[TusProtocol.Resumable] = TusProtocol.Version;
            response.ContentType = "text/plain; charset=utf-8";
            return response.WriteAsync(error.Message, httpContext.RequestAborted);
        }
    }
}
