using System.Net;
using System.Net.Http.Headers;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>
/// Log levels follow Logging__LogLevel__*: an extra worker with Debug on writes debug lines (with the request id in
/// their scope), the stack's do not.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DebugLoggingTests(StackFixture stack)
{
    [Fact]
    public async Task Worker_DebugLevelByConfiguration_WritesDebugJsonLines()
    {
        using var directory = TempDirectory.Create("mblog");
        await using var worker = await ExtraWorker.StartAsync(stack, directory, "worker-debug", new Dictionary<string, string?>
        {
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        });

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(worker.Url, "/auth/v1/settings")))
        {
            request.Headers.Add(ProjectHeaders.ProjectRef, "default");
            request.Headers.Add("X-Request-Id", "debug-trace-99");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AnonKey);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await worker.StopAsync();
        var debugLines = StackLogs.Lines(worker.LogFile).Where(l => l.Contains("\"LogLevel\":\"Debug\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(debugLines);
        Assert.All(debugLines, line => Assert.StartsWith("{", line, StringComparison.Ordinal));

        // Lines written while the request ran carry its id in their scope.
        Assert.Contains(
            StackLogs.Lines(worker.LogFile),
            l => l.Contains("\"RequestId\":\"debug-trace-99\"", StringComparison.Ordinal));

        var stackWorkerLog = StackLogs.Lines(stack.Stack.Workers[1].LogFile);
        Assert.DoesNotContain(stackWorkerLog, l => l.Contains("\"LogLevel\":\"Debug\"", StringComparison.Ordinal));
    }
}
