using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest;

internal static class RestModule
{
    /// <summary>The REST module's schema (the API roles' grants) and services.</summary>
    public static IHostApplicationBuilder AddRestModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ITenantMigrationSource, RestMigrations>();
        builder.Services.AddOptions<RestOptions>().BindConfiguration("Rest")
            .Validate(o => o.MaxSchemaListeners >= 0, "Rest__MaxSchemaListeners must not be negative")
            .Validate(o => o.SchemaPollSeconds > 0, "Rest__SchemaPollSeconds must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<SchemaCacheStore>();
        builder.Services.AddHostedService<SchemaCacheEviction>();
        builder.Services.AddSingleton<RestExecutor>();
        builder.Services.AddSingleton<RestErrorRenderer>();
        return builder;
    }
}
