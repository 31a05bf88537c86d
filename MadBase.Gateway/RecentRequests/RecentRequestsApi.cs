using System.Globalization;
using System.Text.Json;
using MadBase.Gateway.ApiKeys;
using MadBase.ServiceDefaults.Errors;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Gateway.RecentRequests;

/// <summary>
/// <c>GET /gateway/v1/requests?limit=N</c>: a project's recent requests (<see cref="RecentRequestLog"/>), newest first,
/// for its owner only: the apikey must be the project's service_role key (the anon key, which browsers hold, is
/// refused). Studio reads it through Control with that key, as it reaches the project's other APIs.
/// </summary>
internal static class RecentRequestsApi
{
    public const string Path = "/gateway/v1/requests";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IHostApplicationBuilder AddRecentRequests(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RecentRequestLog>();
        return builder;
    }

    /// <summary>Before routing's endpoints run, so every proxied request is timed to its end.</summary>
    public static WebApplication UseRecentRequests(this WebApplication app)
    {
        app.UseMiddleware<RecentRequestRecorder>();
        return app;
    }

    public static WebApplication MapRecentRequestsApi(this WebApplication app)
    {
        app.MapGet(Path, ListAsync);
        return app;
    }

    /// <summary><c>limit</c> is read here rather than bound, so that a bad one is refused in the gateway's error shape.</summary>
    private static async Task<IResult> ListAsync(HttpRequest request, string? limit, ProjectDirectory projects, RecentRequestLog log)
    {
        var count = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > RecentRequestLog.PerProject))
        {
            return ErrorResponse.Result(StatusCodes.Status400BadRequest, $"limit must be between 1 and {RecentRequestLog.PerProject}");
        }

        var apiKey = request.Headers["apikey"].ToString();
        var project = ApiKeyClaims.ReadProjectRef(apiKey) is { } projectRef
            ? await projects.FindAsync(projectRef, request.HttpContext.RequestAborted)
            : null;
        if (project is null || !ProjectKeys.IsServiceRoleKeyOf(project, apiKey))
        {
            return ErrorResponse.Result(StatusCodes.Status401Unauthorized, "the project's service_role key is required");
        }

        return TypedResults.Json(log.Newest(project.Ref, count), Json);
    }
}
