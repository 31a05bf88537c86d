using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>
/// The services' real console output, as the CLI keeps it in logs/: one JSON object per line from every service, and
/// a line written while a request runs names its request id, trace id, project and route.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JsonLogTests(StackFixture stack)
{
    /// <summary>The CLI's own lines in the same files ("[madbase] … started worker-1 as pid …"), not a service's.</summary>
    private const string SupervisorPrefix = "[madbase] ";

    [Fact]
    public async Task ServiceLogs_AreJsonLines_AndARequestsLinesCarryRequestTraceProjectAndRoute()
    {
        // A new project's first request opens its database and loads its schema cache, each logged inside the request.
        var project = await TestProject.CreateAsync(stack, "json-logs", openDatabase: false);
        var (projectRef, anonKey) = (project.Ref, project.AnonKey);
        var requestId = $"json-log-{Guid.NewGuid():N}";
        using (var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/rest/v1/no_such_table", anonKey))
        {
            request.Headers.Add("X-Request-Id", requestId);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        List<JsonElement> requestLines = [];
        var clock = Stopwatch.StartNew();
        while (requestLines.Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(200);
            requestLines = [.. stack.Stack.Workers.SelectMany(w => JsonLines(w.LogFile)).Where(line => ScopeValue(line, "RequestId") == requestId)];
        }

        Assert.NotEmpty(requestLines);
        Assert.All(requestLines, line =>
        {
            Assert.Equal(projectRef, ScopeValue(line, "ProjectRef"));
            Assert.Equal("/rest/v1/{name}", ScopeValue(line, "Route"));
            Assert.Matches("^[0-9a-f]{32}$", ScopeValue(line, "TraceId"));
        });

        foreach (var service in stack.Stack.Services)
        {
            var lines = JsonLines(service.LogFile).ToList();
            Assert.NotEmpty(lines);
            Assert.All(lines, line =>
            {
                Assert.Equal(JsonValueKind.Object, line.ValueKind);
                Assert.True(line.TryGetProperty("Timestamp", out _) && line.TryGetProperty("LogLevel", out _) && line.TryGetProperty("Message", out _), line.ToString());
            });
        }
    }

    /// <summary>Every line a service wrote, parsed: a line that is not one JSON object fails the test here.</summary>
    private static IEnumerable<JsonElement> JsonLines(string logFile) =>
        StackLogs.Lines(logFile)
            .Where(line => line.Length > 0 && !line.StartsWith(SupervisorPrefix, StringComparison.Ordinal))
            .Select(line =>
            {
                using var document = JsonDocument.Parse(line);
                return document.RootElement.Clone();
            });

    private static string? ScopeValue(JsonElement line, string name) =>
        line.TryGetProperty("Scopes", out var scopes)
            ? scopes.EnumerateArray()
                .Where(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out _))
                .Select(scope => scope.GetProperty(name).ToString())
                .LastOrDefault()
            : null;
}
