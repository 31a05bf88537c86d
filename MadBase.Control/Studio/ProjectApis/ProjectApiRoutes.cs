using MadBase.Control.Admin;

namespace MadBase.Control.Studio.ProjectApis;

/// <summary>
/// Studio's Auth, Storage and Logs pages act as the project's owner through the project's own APIs, under
/// <c>/studio/api/projects/{ref}</c>: <c>/auth/…</c> to GoTrue's admin routes, invites and magic links,
/// <c>/storage/…</c> to the storage API's buckets and objects, <c>/requests</c> to the gateway's recent-requests
/// log. Anything else under those prefixes is a 404 here, so the session cannot be used to reach other routes.
/// </summary>
internal static class ProjectApiRoutes
{
    public static IHostApplicationBuilder AddProjectApis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => StudioUpstreams.Read(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddScoped<ProjectApiForwarder>();
        // Uploads and downloads take as long as they take: the request's own abort ends them.
        builder.Services.AddDirectHttpClient(ProjectApiForwarder.ClientName, Timeout.InfiniteTimeSpan);
        return builder;
    }

    public static RouteGroupBuilder MapProjectApis(this RouteGroupBuilder project)
    {
        project.Map("/auth/{**rest}", (string projectRef, HttpContext http, ProjectApiForwarder forwarder) =>
            forwarder.ForwardAsync(http, projectRef, "/auth/v1/" + Allowed(http, projectRef, "auth", IsAuthRoute)));
        project.Map("/storage/{**rest}", (string projectRef, HttpContext http, ProjectApiForwarder forwarder) =>
            forwarder.ForwardAsync(http, projectRef, "/storage/v1/" + Allowed(http, projectRef, "storage", IsStorageRoute)));
        project.MapGet("/requests", (string projectRef, HttpContext http, ProjectApiForwarder forwarder) =>
            forwarder.ForwardAsync(http, projectRef, "/gateway/v1/requests"));
        return project;
    }

    private static bool IsAuthRoute(string[] segments) => segments switch
    {
        ["admin", "users", ..] => true,
        ["invite"] or ["magiclink"] => true,
        _ => false,
    };

    private static bool IsStorageRoute(string[] segments) => segments is ["bucket", ..] or ["object", _, ..];

    /// <summary>
    /// The rest of the path as the client encoded it (object names keep their escapes), once its segments are
    /// an allowed route and none is a dot segment, which the HTTP client would resolve into another route.
    /// </summary>
    private static string Allowed(HttpContext http, string projectRef, string prefix, Func<string[], bool> isAllowed)
    {
        var raw = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        var route = $"{StudioModule.Path}/api/projects/{projectRef}/{prefix}/";
        var rest = path.StartsWith(route, StringComparison.Ordinal) ? path[route.Length..] : string.Empty;
        var segments = rest.Split('/');
        if (segments.Any(s => Uri.UnescapeDataString(s) is "." or "..") || !isAllowed(segments))
        {
            throw AdminException.NotFound("not a route Studio forwards");
        }

        return rest;
    }
}
