using MadBase.Worker.Auth;
using MadBase.Worker.Functions;
using MadBase.Worker.Realtime;
using MadBase.Worker.Rest;
using MadBase.Worker.Storage;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker;

internal static class WorkerServices
{
    /// <summary>
    /// The worker's modules. Every project's migrations run in the order the modules are added: the platform's
    /// (with the tenancy), then Auth's, REST's, Storage's and Realtime's.
    /// </summary>
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddTenancy();
        builder.AddAuthModule();
        builder.AddRestModule();
        builder.AddStorageModule();
        builder.AddRealtimeModule();
        builder.AddFunctionsModule();
        return builder;
    }
}
