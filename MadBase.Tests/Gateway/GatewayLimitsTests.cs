using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>Per-client rate limits and the request body limit, each on a gateway configured for it.</summary>
[Collection(StackCollection.Name)]
public sealed class GatewayLimitsTests(StackFixture stack)
{
    [Fact]
    public async Task RateLimit_Tiny_Returns429JsonWithRetryAfterAndCors()
    {
        await using var upstream = await UpstreamServer.StartAsync("a");
        await using var gateway = await GatewayProcess.StartAsync(
            stack, [upstream], settings: new Dictionary<string, string>
            {
                ["Gateway__RateLimit__PermitsPerSecond"] = "1",
                ["Gateway__RateLimit__Burst"] = "3",
            });

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
            request.Headers.Add("Origin", "http://localhost:3000");
            var response = await gateway.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 3, string.Join(", ", statuses));
            Assert.Equal(("rate limit exceeded", 429), await limited.ErrorAsync());
            Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("*", string.Join(",", limited.Headers.GetValues("Access-Control-Allow-Origin")));
        }

        // Health probes are never limited.
        using var health = await gateway.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Body_OverTheLimit_Returns413Json()
    {
        await using var upstream = await UpstreamServer.StartAsync("a");
        await using var gateway = await GatewayProcess.StartAsync(
            stack, [upstream], settings: new Dictionary<string, string> { ["Gateway__MaxRequestBodyBytes"] = "1024" });

        var declared = GatewayCalls.Request(HttpMethod.Post, "/storage/v1/object/b/big.bin", stack.AnonKey);
        declared.Content = new ByteArrayContent(new byte[4096]);
        using var refused = await gateway.Client.SendAsync(declared);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal(("request body too large", 413), await refused.ErrorAsync());

        // Chunked, so only counting the bytes as they stream through can catch it.
        var streamed = GatewayCalls.Request(HttpMethod.Post, "/storage/v1/object/b/big.bin", stack.AnonKey);
        streamed.Content = new StreamContent(new MemoryStream(new byte[4096]));
        streamed.Headers.TransferEncodingChunked = true;
        using var cut = await gateway.Client.SendAsync(streamed);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, cut.StatusCode);

        var small = GatewayCalls.Request(HttpMethod.Post, "/storage/v1/object/b/small.bin", stack.AnonKey);
        small.Content = new ByteArrayContent(new byte[1000]);
        Assert.Equal(1000, (await gateway.Client.EchoAsync(small)).BodyLength);
    }
}
