using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>One more worker process on the stack's system database, with environment of the test's choosing.</summary>
internal static class ExtraWorker
{
    public static async Task<ServiceProcess> StartAsync(
        StackFixture stack, TempDirectory directory, string name, IReadOnlyDictionary<string, string?> environment)
    {
        var variables = new Dictionary<string, string?>(environment)
        {
            ["ConnectionStrings__madbase"] = stack.SystemConnectionString,
            ["ASPNETCORE_URLS"] = null,
        };
        var definition = new ServiceDefinition(
            name,
            ServiceBinaries.Locate("Worker", new LocalStackOptions { DataDirectory = directory.FullPath }),
            FreePorts.Next(),
            "--worker-port",
            variables);
        var worker = new ServiceProcess(definition, directory.Combine(name + ".log"), TestHttp.Client, TimeSpan.FromSeconds(60));
        await worker.StartAsync(CancellationToken.None);
        return worker;
    }
}
