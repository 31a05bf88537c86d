using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Rest;

/// <summary>/rest/v1: PostgREST-compatible access to a project's exposed schemas, under row-level security.</summary>
internal static partial class RestApi
{
    private static readonly string[] TableMethods = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"];
    private static readonly string[] RpcMethods = ["GET", "HEAD", "POST"];
    private static readonly string[] InfoMethods = ["OPTIONS"];
    private static readonly string[] RootMethods = ["GET", "HEAD"];

    public static IEndpointRouteBuilder MapRestApi(this IEndpointRouteBuilder routes)
    {
        var rest = routes.MapGroup("/rest/v1").AddEndpointFilter<RestTenantFilter>();
        rest.MapMethods("/", RootMethods, GetOpenApi);
        rest.MapMethods("/rpc/{name}", RpcMethods, CallFunction);
        rest.MapMethods("/{name}", TableMethods, HandleTable);
        rest.MapMethods("/", InfoMethods, (HttpContext context, TenantScope scope, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
            RunAsync(context, scope, cache, logger, InfoEndpoint.SchemaAsync));
        rest.MapMethods("/rpc/{name}", InfoMethods, (HttpContext context, string name, TenantScope scope, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
            RunAsync(context, scope, cache, logger, r => InfoEndpoint.FunctionAsync(r, name)));
        rest.MapMethods("/{name}", InfoMethods, (HttpContext context, string name, TenantScope scope, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
            RunAsync(context, scope, cache, logger, r => InfoEndpoint.TableAsync(r, name)));
        return routes;
    }

    public static IHostApplicationBuilder AddRestModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MadBase.ServiceDefaults.Projects.ITenantMigrationSource, RestMigrations>();
        builder.Services.AddSingleton<SchemaCacheStore>();
        builder.Services.AddSingleton<RestExecutor>();
        return builder;
    }

    private static Task HandleTable(HttpContext context, string name, TenantScope scope, SchemaCacheStore cache, RestExecutor executor, ILogger<RestExecutor> logger) =>
        RunAsync(context, scope, cache, logger, rest => rest.IsRead
            ? TableEndpoint.ReadAsync(rest, executor, name)
            : TableEndpoint.WriteAsync(rest, executor, name));

    private static Task CallFunction(HttpContext context, string name, TenantScope scope, SchemaCacheStore cache, RestExecutor executor, ILogger<RestExecutor> logger) =>
        RunAsync(context, scope, cache, logger, rest => RpcEndpoint.CallAsync(rest, executor, name));

    private static Task GetOpenApi(HttpContext context, TenantScope scope, SchemaCacheStore cache, ILogger<RestExecutor> logger) =>
        RunAsync(context, scope, cache, logger, rest => OpenApiDocument.WriteAsync(rest, scope));

    /// <summary>Every failure leaves as PostgREST's error shape; database errors are mapped by SQLSTATE.</summary>
    private static async Task RunAsync(HttpContext context, TenantScope scope, SchemaCacheStore cache, ILogger logger, Func<RestContext, Task> handle)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            // Kept so that a request planned against a stale schema cache can run again (below).
            context.Request.EnableBuffering(BodyKeptInMemory);
        }

        RestContext? rest = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                rest = await RestContext.CreateAsync(context, scope, cache);
                await handle(rest);
                return;
            }
            catch (RestException error) when (!context.Response.HasStarted)
            {
                // DDL committed just before this request may not have reached the cache yet: catch up, once.
                if (attempt == 1 && error.IsSchemaMiss && rest is not null && Rewind(context.Request)
                    && await cache.CatchUpAsync(rest.Project, rest.Schema))
                {
                    LogRetriedAfterReload(logger, error.Code);
                    continue;
                }

                await error.WriteAsync(context);
            }
            catch (PostgresException error) when (!context.Response.HasStarted)
            {
                LogDatabaseError(logger, error.SqlState, error.MessageText);
                await RestExecutor.Translate(error, rest).WriteAsync(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody is left to answer.
            }
            catch (Exception error) when (error is NpgsqlException or ProjectDatabaseUnavailableException
                                          && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                LogConnectionError(logger, error);
                await new RestException(StatusCodes.Status503ServiceUnavailable, "PGRST000", "Could not connect with the database").WriteAsync(context);
            }

            return;
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

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Schema cache was behind the database ({Code}); reloaded and retried")]
    private static partial void LogRetriedAfterReload(ILogger logger, string code);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Database error {SqlState}: {Message}")]
    private static partial void LogDatabaseError(ILogger logger, string sqlState, string message);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Database connection failed")]
    private static partial void LogConnectionError(ILogger logger, Exception exception);
}
