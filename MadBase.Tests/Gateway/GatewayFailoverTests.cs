using System.Diagnostics;
using System.Net;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>Workers going away: taken out of rotation, requests keep succeeding, and a clear 503 when none is left.</summary>
[Collection(StackCollection.Name)]
public sealed class GatewayFailoverTests(StackFixture stack)
{
    [Fact]
    public async Task StoppedUpstream_TenFurtherRequests_AllSucceed()
    {
        await using var a = await UpstreamServer.StartAsync("a");
        await using var b = await UpstreamServer.StartAsync("b");
        await using var gateway = await GatewayProcess.StartAsync(stack, [a, b]);
        // The project's requests all go to its own worker: that one stops.
        var (stopped, other) = await ProjectWorkerFirstAsync(gateway, a, b);

        await stopped.StopAsync();

        // At once, before any health check has run: a refused connection is retried on the other worker.
        var servers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            servers.Add((await gateway.Client.EchoAsync("/rest/v1/things", stack.AnonKey)).Server);
        }

        Assert.All(servers, s => Assert.Equal(other.Name, s));

        // And a non-idempotent request, which is never retried, succeeds once the health check took the stopped one out.
        await Task.Delay(TimeSpan.FromSeconds(3));
        for (var i = 0; i < 4; i++)
        {
            var post = GatewayCalls.Request(HttpMethod.Post, "/rest/v1/things", stack.AnonKey);
            post.Content = new StringContent("{}");
            Assert.Equal(other.Name, (await gateway.Client.EchoAsync(post)).Server);
        }
    }

    [Fact]
    public async Task UpstreamResettingRequests_Burst_TakenOutOfRotation()
    {
        await using var a = await UpstreamServer.StartAsync("a");
        await using var b = await UpstreamServer.StartAsync("b");
        await using var gateway = await GatewayProcess.StartAsync(stack, [a, b]);
        var (broken, other) = await ProjectWorkerFirstAsync(gateway, a, b);

        // The project's own worker still passes its active health check; only the requests it breaks can tell the gateway.
        broken.ResetRequests = true;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await gateway.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey));
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.BadGateway, statuses);
        var servers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            servers.Add((await gateway.Client.EchoAsync("/rest/v1/things", stack.AnonKey)).Server);
        }

        Assert.All(servers, s => Assert.Equal(other.Name, s));
    }

    [Fact]
    public async Task AllUpstreamsDown_Request_Returns503Json()
    {
        await using var a = await UpstreamServer.StartAsync("a");
        await using var b = await UpstreamServer.StartAsync("b");
        await using var gateway = await GatewayProcess.StartAsync(stack, [a, b]);

        await a.StopAsync();
        await b.StopAsync();

        // The health checks (every second here, two failures to mark) take both out within a few seconds.
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        (string, int) error;
        do
        {
            await Task.Delay(500);
            using var response = await gateway.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey));
            status = response.StatusCode;
            error = await response.ErrorAsync();
        }
        while (status != HttpStatusCode.ServiceUnavailable && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(("no healthy upstream", 503), error);
    }

    /// <summary>The default project's own worker (the gateway sends it every request of that project), then the other.</summary>
    private async Task<(UpstreamServer Own, UpstreamServer Other)> ProjectWorkerFirstAsync(GatewayProcess gateway, UpstreamServer a, UpstreamServer b) =>
        (await gateway.Client.EchoAsync("/rest/v1/things", stack.AnonKey)).Server == a.Name ? (a, b) : (b, a);

    [Fact]
    public async Task Start_NoWorkerConfigured_FailsNamingTheVariable()
    {
        await using var gateway = GatewayProcess.Create(stack, workers: []);

        var failure = await Assert.ThrowsAsync<LocalStackException>(gateway.StartAsync);

        Assert.Contains("services__worker__http__0", failure.Message, StringComparison.Ordinal);
    }
}
