using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>
/// The runtime image's HEALTHCHECK: the service's app host, through a link named as in the image
/// (/app/madbase-service), run with <c>--health-probe /health</c> and the image's port variable. Exit 0 while the
/// service beside it answers 200, 1 when nothing answers.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class HealthProbeTests(StackFixture stack)
{
    [Fact]
    public async Task HealthProbe_ServiceAnswers_ExitsZero()
    {
        var (exitCode, output) = await ProbeAsync("Worker", new Uri(stack.Stack.WorkerUrls[0]).Port, "/health");
        Assert.True(exitCode == 0, output);
        Assert.Contains("/health: 200", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthProbe_GatewayOnAnotherPath_ProbesThatPath()
    {
        var (exitCode, output) = await ProbeAsync("Gateway", new Uri(stack.ApiUrl).Port, "/alive");
        Assert.True(exitCode == 0, output);
        Assert.Contains("/alive: 200", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthProbe_NothingListens_ExitsOne()
    {
        var (exitCode, output) = await ProbeAsync("Control", FreePorts.Take(), "/health");
        Assert.True(exitCode == 1, output);
    }

    private static async Task<(int ExitCode, string Output)> ProbeAsync(string service, int port, string path)
    {
        using var directory = TempDirectory.Create("mbprobe");
        var dll = ServiceBinaries.Locate(service, new LocalStackOptions { DataDirectory = directory.FullPath });
        var appHost = Path.ChangeExtension(dll, null);
        var link = directory.Combine("madbase-service");
        File.CreateSymbolicLink(link, appHost);
        var start = ProcessLaunch.Create(link, ["--health-probe", path], account: null, directory.FullPath);
        // As in the image: the port from ASPNETCORE_HTTP_PORTS, nothing else.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_URLS", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await ProcessLaunch.RunToCompletionAsync("health probe", start, TimeSpan.FromSeconds(30), CancellationToken.None);
    }
}
