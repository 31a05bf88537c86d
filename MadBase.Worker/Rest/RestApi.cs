using MadBase.ServiceDefaults.Logging;
using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Rest;

/// <summary>
/// /rest/v1: PostgREST-compatible access to a project's exposed schemas, under row-level security. Each
/// request is parsed (Parsing/), planned against the schema cache (Planning/), turned into one statement
/// (Sql/) and run by <see cref="RestExecutor"/> in the <see cref="Tenant"/>'s transaction;
/// <see cref="TenantFilter{TRenderer}"/> answers failures in PostgREST's shape.
/// </summary>
internal static partial class RestApi
{
    private static readonly string[] TableMethods = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"];
    private static readonly string[] RpcMethods = ["GET", "HEAD", "POST"];
    private static readonly string[] InfoMethods = ["OPTIONS"];
    private static readonly string[] RootMethods = ["GET", "HEAD"];

    public static IEndpointRouteBuilder MapRestApi(this IEndpointRouteBuilder routes)
    {
        var rest = routes.MapGroup("/rest/v1").AddEndpointFilter<TenantFilter<RestErrorRenderer>>();
        rest.MapMethods("/", RootMethods, GetOpenApi);
        rest.MapMethods("/rpc/{name}", RpcMethods, CallFunction);
        rest.MapMethods("/{name}", TableMethods, HandleTable);
        rest.MapMethods("/", InfoMethods, (Tenant tenant, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
            RunAsync(tenant, cache, logger, InfoEndpoint.SchemaAsync));
        rest.MapMethods("/rpc/{name}", InfoMethods, (Tenant tenant, string name, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
            RunAsync(tenant, cache, logger, r => InfoEndpoint.FunctionAsync(r, name)));
        rest.MapMethods("/{name}", InfoMethods, (Tenant tenant, string name, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
            RunAsync(tenant, cache, logger, r => InfoEndpoint.TableAsync(r, name)));
        return routes;
    }

    private static Task HandleTable(Tenant tenant, string name, SchemaCacheStore cache, RestExecutor executor, ILogger<RestExecutor> logger) =>
        RunAsync(tenant, cache, logger, rest => rest.IsRead
            ? TableEndpoint.ReadAsync(rest, executor, name)
            : TableEndpoint.WriteAsync(rest, executor, name));

    private static Task CallFunction(Tenant tenant, string name, SchemaCacheStore cache, RestExecutor executor, ILogger<RestExecutor> logger) =>
        RunAsync(tenant, cache, logger, rest => RpcEndpoint.CallAsync(rest, executor, name));

    private static Task GetOpenApi(Tenant tenant, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
        RunAsync(tenant, cache, logger, OpenApiDocument.WriteAsync);

    /// <summary>
    /// Resolves what every /rest/v1 request needs (<see cref="RestContext"/>) and runs the handler; a request
    /// planned against a schema cache that is behind the database runs again, once, after the cache caught up.
    /// Every failure is answered in PostgREST's shape by <see cref="RestErrorRenderer"/>.
    /// </summary>
    private static async Task RunAsync(Tenant tenant, SchemaCacheStore cache, ILogger logger, Func<RestContext, Task> handle)
    {
        var request = tenant.Http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            // Kept so that a request planned against a stale schema cache can run again (below).
            request.EnableBuffering(BodyKeptInMemory);
        }

        for (var attempt = 1; ; attempt++)
        {
            RestContext? rest = null;
            try
            {
                rest = await RestContext.CreateAsync(tenant, cache);
                await handle(rest);
                return;
            }
            catch (RestException error) when (attempt == 1 && error.IsSchemaMiss && rest is not null
                                              && !tenant.Http.Response.HasStarted && Rewind(request))
            {
                // DDL committed just before this request may not have reached the cache yet: catch up, once.
                if (!await cache.CatchUpAsync(rest.Project, rest.Schema))
                {
                    throw;
                }

                LogRetriedAfterReload(logger, error.Code);
            }
        }
    }

    /// <summary>Bodies up to this size are kept in memory for a retry; larger ones in a temporary file.</summary>
    private const int BodyKeptInMemory = 1024 * 1024;

    private static bool Rewind(HttpRequest request)
    {
        if (!request.Body.CanSeek)
        {
            return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        }

        request.Body.Position = 0;
        return true;
    }

    [LoggerMessage(EventId = EventIds.SchemaCacheBehindReloaded, Level = LogLevel.Information, Message = "Schema cache was behind the database ({Code}); reloaded and retried")]
    private static partial void LogRetriedAfterReload(ILogger logger, string code);
}
