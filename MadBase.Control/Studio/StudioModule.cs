using MadBase.Control.Admin;
using MadBase.Control.Studio.Health;
using MadBase.Control.Studio.ProjectApis;
using MadBase.Control.Studio.Sql;
using MadBase.Control.Studio.Tables;
using Microsoft.Extensions.FileProviders;

namespace MadBase.Control.Studio;

/// <summary>
/// MadBase Studio: a static front end (plain ES modules, one CSS file, embedded in Control's assembly, so
/// nothing is built or installed apart from Control itself) over /admin/v1 and the routes under /studio/api.
/// </summary>
internal static class StudioModule
{
    public const string Path = "/studio";

    /// <summary>Same-origin only, no inline script, never framed; keys shown on the page must not leak by referrer.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static IHostApplicationBuilder AddStudioModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StudioOptions>()
            .BindConfiguration(StudioOptions.Section)
            .Validate(o => o.SessionMinutes is > 0 and <= 7 * 24 * 60, "Studio__SessionMinutes must be between 1 and 10080.")
            .ValidateOnStart();
        builder.Services.AddStudioCookie();
        builder.AddProjectApis();
        builder.AddServiceHealth();
        return builder;
    }

    /// <summary>The page and its files at /studio/, then the API its scripts call.</summary>
    public static WebApplication MapStudio(this WebApplication app)
    {
        // A relative redirect: behind the gateway, the static files' own absolute one would name Control's port.
        // (Routing ignores a trailing slash, so this cannot be an endpoint for /studio alone.)
        app.Use((context, next) =>
        {
            if (context.Request.Path.Value != Path)
            {
                return next(context);
            }

            context.Response.Redirect(Path + "/");
            return Task.CompletedTask;
        });
        var files = new EmbeddedFileProvider(typeof(StudioModule).Assembly, "MadBase.Control.Studio.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Revalidated each load (by ETag), so a new Control build's files are picked up at once.
                headers.CacheControl = "no-cache";
            },
        });

        var api = app.MapGroup(Path + "/api").AddEndpointFilter<AdminErrorFilter>();
        api.MapStudioSession();
        api.MapGroup(string.Empty).AddEndpointFilter<AdminAuthentication>().MapServiceHealthApi();
        var projects = api.MapGroup("/projects/{projectRef}").AddEndpointFilter<AdminAuthentication>();
        projects.MapTablesApi();
        projects.MapSqlEditorApi();
        projects.MapProjectApis();
        projects.MapUserSessionsApi();
        return app;
    }
}
