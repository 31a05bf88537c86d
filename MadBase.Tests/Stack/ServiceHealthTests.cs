using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

[Collection(StackCollection.Name)]
public sealed class ServiceHealthTests(StackFixture stack)
{
    [Fact]
    public async Task Health_EveryService_Is200JsonWithPostgresAndRedisChecks()
    {
        foreach (var service in stack.Stack.Services)
        {
            using var response = await StackHttp.Client.GetAsync(new Uri(service.Url, "/health"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var json = await StackHttp.JsonAsync(response);
            Assert.Equal("Healthy", json.GetProperty("status").GetString());
            Assert.Equal("Healthy", json.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
            Assert.True(json.GetProperty("checks").TryGetProperty("redis", out _), service.Name);

            using var alive = await StackHttp.Client.GetAsync(new Uri(service.Url, "/alive"));
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }
    }

    [Fact]
    public async Task RequestId_SentThroughGateway_ComesBackFromTheWorker()
    {
        using var request = StackHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/health", stack.AnonKey);
        request.Headers.Add("X-Request-Id", "trace-me-123");
        using var response = await StackHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("trace-me-123", response.Headers.GetValues("X-Request-Id").Single());

        // The worker logs in JSON with the id in its scope, so the id travelled upstream.
        var logged = await WaitForLogLineAsync(stack, "trace-me-123");
        Assert.Contains("\"RequestId\":\"trace-me-123\"", logged, StringComparison.Ordinal);
    }

    private static async Task<string> WaitForLogLineAsync(StackFixture stack, string text)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            foreach (var worker in stack.Stack.Workers)
            {
                var line = LogLines(worker.LogFile).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
            }

            await Task.Delay(100);
        }

        return string.Empty;
    }

    internal static IEnumerable<string> LogLines(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }
}
