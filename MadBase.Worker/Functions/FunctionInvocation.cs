using System.Diagnostics;
using MadBase.ServiceDefaults.Functions;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Functions.Runtime;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MadBase.Worker.Functions;

/// <summary>What the invoke handler needs, as one [AsParameters] record.</summary>
internal sealed record FunctionsServices(
    TenantRequestResolver Resolver,
    FunctionCatalog Catalog,
    FunctionRuntime Runtime,
    IHttpForwarder Forwarder,
    IOptions<FunctionsOptions> Options,
    ILogger<FunctionsServices> Logger);

/// <summary>
/// <c>/functions/v1/{name}[/sub/path]</c>: the project's function, run by a warm Deno instance. The request is
/// forwarded as it came (method, path from the function's name on, query, headers, body streamed) with YARP's
/// forwarder over the instance's Unix socket, and the response streams back as the function writes it
/// (server-sent events included): the forwarder flushes as data arrives and handles cancellation both ways.
/// </summary>
internal static partial class FunctionInvocation
{
    private static readonly PathString Prefix = "/functions/v1";

    private static readonly HttpTransformer Transformer = new FunctionRequestTransformer();

    public static async Task InvokeAsync(HttpContext context, string name, [AsParameters] FunctionsServices services)
    {
        var started = Stopwatch.GetTimestamp();
        var tenant = await services.Resolver.ResolveAsync(context);
        if (tenant.Project is not { } project)
        {
            await FunctionsError.InvalidJwt(context);
            return;
        }

        var function = FunctionNames.IsValidSlug(name)
            ? await services.Catalog.FindAsync(project.Ref, name, context.RequestAborted)
            : null;
        if (function is null)
        {
            // A preflight names no project (browsers send no apikey in it), so it may have reached the default
            // project's functions for another project's function: the gateway answers it instead.
            await (HttpMethods.IsOptions(context.Request.Method) ? FunctionsError.UnansweredPreflight(context) : FunctionsError.NotFound(context));
            return;
        }

        if (function.VerifyJwt && !tenant.Succeeded)
        {
            await (tenant.Failure == TenantFailure.MissingJwt ? FunctionsError.MissingJwt(context) : FunctionsError.InvalidJwt(context));
            return;
        }

        var cold = await ForwardAsync(context, function, project, services);
        var elapsed = Stopwatch.GetElapsedTime(started);
        FunctionsMetrics.Invoked(context.Response.StatusCode, cold, elapsed);
        LogInvoked(services.Logger, project.Ref, function.Slug, function.Version, context.Request.Method, context.Response.StatusCode, cold, (long)elapsed.TotalMilliseconds);
    }

    /// <summary>Sends the request to an instance and answers what went wrong on the way; true when it waited for an instance to start.</summary>
    private static async Task<bool> ForwardAsync(HttpContext context, DeployedFunction function, Project project, FunctionsServices services)
    {
        var options = services.Options.Value;
        var pool = services.Runtime.Pool(function, project);
        FunctionPool.Lease lease;
        try
        {
            lease = await pool.AcquireAsync(context.RequestAborted);
        }
        catch (FunctionBootException e)
        {
            LogBootFailed(services.Logger, project.Ref, function.Slug, function.Version, e.Message);
            await FunctionsError.BootError(context, e.RetryAfter);
            return true;
        }
        catch (FunctionGoneException)
        {
            await FunctionsError.NotFound(context);
            return true;
        }

        var instance = lease.Instance;
        var limit = TimeSpan.FromSeconds(options.TimeoutSeconds);
        using var deadline = new CancellationTokenSource(limit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
        ForwarderError error;
        try
        {
            var config = new ForwarderRequestConfig { ActivityTimeout = limit };
            error = await services.Forwarder.SendAsync(context, "http://localhost", instance.Client, config, Transformer, linked.Token);
        }
        finally
        {
            await pool.ReleaseAsync(instance);
        }

        if (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // It may be stuck for good (a busy loop): its replacement starts with the next request.
            await pool.ReplaceAsync(instance);
            await FunctionsError.TimeLimit(context, options.TimeoutSeconds);
        }
        else if (error != ForwarderError.None && !context.RequestAborted.IsCancellationRequested)
        {
            await WaitForExitAsync(instance);
            await (instance.HasExited
                ? instance.RanOutOfMemory ? FunctionsError.MemoryLimit(context, options.MemoryMb) : FunctionsError.Crashed(context)
                : FunctionsError.Unreachable(context));
        }

        return lease.Cold;
    }

    /// <summary>A connection the instance dropped is usually its exit, which the process reports a moment later.</summary>
    private static async Task WaitForExitAsync(DenoInstance instance)
    {
        for (var i = 0; i < 20 && !instance.HasExited; i++)
        {
            await Task.Delay(25);
        }
    }

    [LoggerMessage(EventId = EventIds.FunctionInvoked, Level = LogLevel.Information, Message = "Function {ProjectRef}/{Slug} v{Version} {Method} answered {Status} (cold start: {Cold}) in {Milliseconds} ms")]
    private static partial void LogInvoked(ILogger logger, string projectRef, string slug, int version, string method, int status, bool cold, long milliseconds);

    [LoggerMessage(EventId = EventIds.FunctionBootFailed, Level = LogLevel.Warning, Message = "Function {ProjectRef}/{Slug} v{Version} failed to start: {Output}")]
    private static partial void LogBootFailed(ILogger logger, string projectRef, string slug, int version, string output);

    /// <summary>The function sees its path from its name on (<c>/hello/sub?x=1</c>), as on Supabase, and not the gateway's project header.</summary>
    private sealed class FunctionRequestTransformer : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            httpContext.Request.Path.StartsWithSegments(Prefix, out var path);
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path, httpContext.Request.QueryString);
            proxyRequest.Headers.Remove(ProjectHeaders.ProjectRef);
        }
    }
}
