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

    public static IEndpointRouteBuilder MapRestApi(this IEndpointRouteBuilder routes)
    {
        var rest = routes.MapGroup("/rest/v1").AddEndpointFilter<RestTenantFilter>();
        rest.MapGet("/", GetOpenApi);
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
        RunAsync(context, scope, cache, logger, OpenApiDocument.WriteAsync);

    /// <summary>Every failure leaves as PostgREST's error shape; database errors are mapped by SQLSTATE.</summary>
    private static async Task RunAsync(HttpContext context, TenantScope scope, SchemaCacheStore cache, ILogger logger, Func<RestContext, Task> handle)
    {
        RestContext? rest = null;
        try
        {
            rest = await RestContext.CreateAsync(context, scope, cache);
            await handle(rest);
        }
        catch (RestException error) when (!context.Response.HasStarted)
        {
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
        catch (NpgsqlException error) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LogConnectionError(logger, error);
            await new RestException(StatusCodes.Status503ServiceUnavailable, "PGRST000", "Could not connect with the database").WriteAsync(context);
        }
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Database error {SqlState}: {Message}")]
    private static partial void LogDatabaseError(ILogger logger, string sqlState, string message);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Database connection failed")]
    private static partial void LogConnectionError(ILogger logger, Exception exception);
}
