using System.Net;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// Requests that fail through the client's fault never take a worker out of rotation: the passive health
/// check counts only what the destination did. Both workers must keep serving after each burst (with
/// YARP's TransportFailureRate the non-ASCII burst took both out for the passive window, and every project
/// got 503). Each test has its own gateway, so one's ejection cannot pass for another's.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GatewayPassiveHealthTests(StackFixture stack) : IAsyncLifetime
{
    private const int Burst = 30;

    private UpstreamServer a = null!;
    private UpstreamServer b = null!;
    private GatewayProcess gateway = null!;

    public async Task InitializeAsync()
    {
        a = await UpstreamServer.StartAsync("a");
        b = await UpstreamServer.StartAsync("b");
        gateway = await GatewayProcess.StartAsync(stack, [a, b]);
    }

    public async Task DisposeAsync()
    {
        // InitializeAsync may have failed part way.
        foreach (var started in new IAsyncDisposable?[] { gateway, a, b })
        {
            if (started is not null)
            {
                await started.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task NonAsciiHeader_BurstWithoutApiKey_Answers400AndWorkersStayInRotation()
    {
        // HttpClient itself refuses non-ASCII header values unless told how to encode them, as curl does not.
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var client = new HttpClient(handler) { BaseAddress = gateway.Url };

        var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/storage/v1/object/public/b/x");
            request.Headers.TryAddWithoutValidation("x-a", "é");
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.ErrorAsync());
        }));

        Assert.All(answers, a => Assert.Equal(
            (HttpStatusCode.BadRequest, ("request header 'x-a' has characters that cannot be forwarded", 400)), a));
        await AssertBothWorkersServeAsync();
    }

    [Fact]
    public async Task ClientAborts_BurstMidRequest_WorkersStayInRotation()
    {
        using var client = new HttpClient { BaseAddress = gateway.Url };

        // Half wait on a slow answer and hang up; half break off their upload halfway.
        var aborted = await Task.WhenAll(Enumerable.Range(0, Burst).Select(async i =>
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var request = i % 2 == 0
                ? GatewayCalls.Request(HttpMethod.Get, "/rest/v1/slow?seconds=30", stack.AnonKey)
                : GatewayCalls.Request(HttpMethod.Post, "/rest/v1/things", stack.AnonKey);
            if (i % 2 == 1)
            {
                request.Content = new BrokenContent();
            }

            using (request)
            {
                try
                {
                    using var response = await client.SendAsync(request, cancel.Token);
                    return false;
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
                {
                    return true;
                }
            }
        }));

        Assert.All(aborted, Assert.True);
        await AssertBothWorkersServeAsync();
    }

    /// <summary>
    /// A burst of one project's requests held in flight reaches both workers (its own until that one holds more than
    /// its share), unless one was taken out.
    /// </summary>
    private async Task AssertBothWorkersServeAsync()
    {
        var reached = await gateway.Client.HeldBurstAsync(stack.AnonKey, 4, a, b);

        Assert.Equal(["a", "b"], reached.Distinct().Order());
    }

    /// <summary>An upload that sends some bytes, then fails as a client whose file read broke would.</summary>
    private sealed class BrokenContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[16 * 1024]);
            await stream.FlushAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            throw new IOException("the client's source broke");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 1024 * 1024;
            return true;
        }
    }
}
