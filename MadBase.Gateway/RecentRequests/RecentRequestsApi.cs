using System.Runtime.InteropServices;
using System.Security.Cryptography;
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

    private static async Task<IResult> ListAsync(HttpRequest request, int? limit, ProjectDirectory projects, RecentRequestLog log)
    {
        if (limit is < 1 or > RecentRequestLog.PerProject)
        {
            return ErrorResponse.Result(StatusCodes.Status400BadRequest, $"limit must be between 1 and {RecentRequestLog.PerProject}");
        }

        var apiKey = request.Headers["apikey"].ToString();
        var project = ApiKeyClaims.ReadProjectRef(apiKey) is { } projectRef
            ? await projects.FindAsync(projectRef, request.HttpContext.RequestAborted)
            : null;
        if (project is null || !FixedTimeEquals(apiKey, project.ServiceRoleKey))
        {
            return ErrorResponse.Result(StatusCodes.Status401Unauthorized, "the project's service_role key is required");
        }

        return TypedResults.Json(log.Newest(project.Ref, limit ?? 100), Json);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a.AsSpan()), MemoryMarshal.AsBytes(b.AsSpan()));
}
