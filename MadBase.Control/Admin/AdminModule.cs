using System.Text.Json;

namespace MadBase.Control.Admin;

internal static class AdminModule
{
    /// <summary>The admin API's credential and wire format.</summary>
    public static IHostApplicationBuilder AddAdminModule(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.Section)
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.Password),
                "Admin__Password is not set: give the password the admin API (/admin/v1) accepts as a bearer token.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AdminCredentials>();

        // The admin API speaks snake_case, as Supabase's management API and the stored settings do.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        return builder;
    }
}
