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
            using var response = await TestHttp.Client.GetAsync(new Uri(service.Url, "/health"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var json = await TestHttp.JsonAsync(response);
            Assert.Equal("Healthy", json.GetProperty("status").GetString());
            Assert.Equal("Healthy", json.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
            Assert.True(json.GetProperty("checks").TryGetProperty("redis", out _), service.Name);

            // Liveness only: the process answers; no dependency is asked.
            using var alive = await TestHttp.Client.GetAsync(new Uri(service.Url, "/alive"));
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Equal(["self"], (await TestHttp.JsonAsync(alive)).GetProperty("checks").EnumerateObject().Select(c => c.Name));
        }
    }

    [Fact]
    public async Task RequestId_SentThroughGateway_ComesBack()
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/health", stack.AnonKey);
        request.Headers.Add("X-Request-Id", "trace-me-123");
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("trace-me-123", response.Headers.GetValues("X-Request-Id").Single());
    }
}
