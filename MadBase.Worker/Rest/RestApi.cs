using MadBase.ServiceDefaults.Logging;
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
        rest.MapMethods("/", InfoMethods, DescribeSchema);
        rest.MapMethods("/rpc/{name}", InfoMethods, DescribeFunction);
        rest.MapMethods("/{name}", InfoMethods, DescribeTable);
        return routes;
    }

    private static Task HandleTable([AsParameters] RestServices services, string name) =>
        RunAsync(services, rest => rest.IsRead
            ? TableEndpoint.ReadAsync(rest, services.Executor, name)
            : TableEndpoint.WriteAsync(rest, services.Executor, name));

    private static Task CallFunction([AsParameters] RestServices services, string name) =>
        RunAsync(services, rest => RpcEndpoint.CallAsync(rest, services.Executor, name));

    private static Task GetOpenApi([AsParameters] RestServices services) => RunAsync(services, OpenApiDocument.WriteAsync);

    private static Task DescribeSchema([AsParameters] RestServices services) => RunAsync(services, InfoEndpoint.SchemaAsync);

    private static Task DescribeFunction([AsParameters] RestServices services, string name) =>
        RunAsync(services, rest => InfoEndpoint.FunctionAsync(rest, name));

    private static Task DescribeTable([AsParameters] RestServices services, string name) =>
        RunAsync(services, rest => InfoEndpoint.TableAsync(rest, name));

    /// <summary>
    /// Resolves what every /rest/v1 request needs (<see cref="RestContext"/>) and runs the handler; a request
    /// planned against a schema cache that is behind the database runs again, once, after the cache caught up.
    /// Every failure is answered in PostgREST's shape by <see cref="RestErrorRenderer"/>.
    /// </summary>
    private static async Task RunAsync(RestServices services, Func<RestContext, Task> handle)
    {
        var (tenant, cache) = (services.Tenant, services.Cache);
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

                LogRetriedAfterReload(services.Logger, error.Code);
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
