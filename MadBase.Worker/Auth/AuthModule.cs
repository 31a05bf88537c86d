using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

internal static class AuthModule
{
    /// <summary>The Auth module's schema (after the platform's) and services.</summary>
    public static IHostApplicationBuilder AddAuthModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ITenantMigrationSource, AuthMigrations>();
        builder.Services.AddSingleton<AuthErrorRenderer>();
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddSingleton<AccessTokens>();
        builder.Services.AddSingleton<RefreshTokenRotation>();
        builder.Services.AddSingleton<AuthMailer>();
        builder.Services.AddHttpClient(SmsSender.HttpClientName);
        builder.Services.AddSingleton<SmsSender>();
        builder.Services.AddSingleton(AuthRateLimiter.Create);
        builder.Services.AddHttpClient(ExternalProviders.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<ExternalProviders>();
        return builder;
    }
}
