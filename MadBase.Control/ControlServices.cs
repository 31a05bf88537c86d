using MadBase.Control.Admin;
using MadBase.Control.Functions;
using MadBase.Control.Projects;
using MadBase.Control.Studio;
using MadBase.Control.SystemDb;

namespace MadBase.Control;

internal static class ControlServices
{
    /// <summary>Control's modules; their hosted services (migrate, then the default project) start in this order.</summary>
    public static IHostApplicationBuilder AddControlServices(this IHostApplicationBuilder builder)
    {
        builder.AddSystemDbModule();
        builder.AddAdminModule();
        builder.AddProjectsModule();
        builder.AddStudioModule();
        builder.AddFunctionsModule();
        return builder;
    }
}
