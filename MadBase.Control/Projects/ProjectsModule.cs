using MadBase.ServiceDefaults.Projects;

namespace MadBase.Control.Projects;

internal static class ProjectsModule
{
    /// <summary>Projects: their store, creation and deletion, the defaults new ones get, and the default project.</summary>
    public static IHostApplicationBuilder AddProjectsModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DefaultProjectOptions>()
            .Configure<IConfiguration>((o, configuration) =>
            {
                o.Ref = configuration["Projects:DefaultRef"] is { Length: > 0 } projectRef ? projectRef : o.Ref;
                o.JwtSecret = configuration["Auth:JwtSecret"] is { Length: > 0 } secret ? secret : null;
            })
            .Validate(
                o => ProjectRefs.IsValid(o.Ref),
                "Projects__DefaultRef must be 3 to 40 lowercase letters and digits, starting with a letter.")
            .Validate(
                o => o.JwtSecret is null or { Length: >= ProjectInput.MinJwtSecretLength },
                $"Auth__JwtSecret must be at least {ProjectInput.MinJwtSecretLength} characters (or unset, to generate one).")
            .ValidateOnStart();
        builder.Services.AddOptions<ProjectDefaultsOptions>()
            .Configure<IConfiguration>((o, configuration) =>
                o.PublicUrl = configuration["Projects:PublicUrl"] is { Length: > 0 } url ? url.TrimEnd('/') : null)
            .Validate(
                o => o.PublicUrl is null || Uri.TryCreate(o.PublicUrl.Replace("{ref}", "ref", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                    && uri.Scheme is "http" or "https",
                "Projects__PublicUrl must be an absolute http(s) URL (it may contain {ref}).")
            .ValidateOnStart();

        builder.Services.AddSingleton<ProjectChanges>();
        builder.Services.AddScoped<ProjectStore>();
        builder.Services.AddScoped<ProjectCreation>();
        builder.Services.AddScoped<ProjectDeletion>();

        // After the system database's migrator (AddSystemDbModule): hosted services start in the order they are added.
        builder.Services.AddHostedService<DefaultProject>();
        return builder;
    }
}
