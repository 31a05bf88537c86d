using System.Text.Json;
using MadBase.Control.Admin;
using MadBase.Control.Projects;
using MadBase.Control.SystemDb;

namespace MadBase.Control.Extensions;

internal static class ControlServices
{
    public static void AddControlServices(this IHostApplicationBuilder builder)
    {
        AdminOptions.Register(builder.Services);
        DefaultProjectOptions.Register(builder.Services);
        ProjectDefaultsOptions.Register(builder.Services);

        // The admin API speaks snake_case, as Supabase's management API and the stored settings do.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        builder.Services.AddSingleton<AdminCredentials>();
        builder.Services.AddSingleton<ProjectStore>();
        builder.Services.AddSingleton<ProjectChanges>();
        builder.Services.AddSingleton<ProjectCreation>();
        builder.Services.AddSingleton<ProjectDeletion>();

        // Hosted services start in this order, and all before Kestrel accepts a request.
        builder.Services.AddHostedService<SystemMigrator>();
        builder.Services.AddHostedService<DefaultProject>();
    }
}
