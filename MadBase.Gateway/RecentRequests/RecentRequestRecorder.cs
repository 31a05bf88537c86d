using System.Diagnostics;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Gateway.RecentRequests;

/// <summary>
/// Notes every request that reached a project (the API-key step named it in <see cref="ProjectHeaders.ProjectRef"/>)
/// in <see cref="RecentRequestLog"/> once its response is done: time, method, path, status, duration and request id.
/// Requests no project claimed (a bad key, probes, the fallback 404) are not a project's to see.
/// </summary>
internal sealed class RecentRequestRecorder(RequestDelegate next, RecentRequestLog log, TimeProvider time)
{
    private const int MaxPathLength = 300;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var status = 0;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch
        {
            status = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            if (context.Request.Headers[ProjectHeaders.ProjectRef].ToString() is { Length: > 0 } projectRef)
            {
                var path = context.Request.PathBase.Add(context.Request.Path).ToString();
                log.Add(projectRef, new RecentRequest(
                    started,
                    context.Request.Method,
                    path.Length > MaxPathLength ? path[..MaxPathLength] : path,
                    status,
                    Math.Round(clock.Elapsed.TotalMilliseconds, 1),
                    context.TraceIdentifier));
            }
        }
    }
}
