using System.Net;
using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// A worker that refuses connections (killed, not yet out of rotation): requests with a body, which it never
/// received a byte of, go to another worker, whole and once.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GatewayConnectRetryTests(StackFixture stack)
{
    private const int UploadBytes = 8 << 20;

    [Fact]
    public async Task RefusingUpstream_PostsAndStreamedUploads_AllReachTheOtherOnceAndWhole()
    {
        await using var first = await UpstreamServer.StartAsync("first");
        await using var second = await UpstreamServer.StartAsync("second");
        // No active health check during the test: the dead worker stays in rotation until requests show it.
        await using var gateway = await GatewayProcess.StartAsync(
            stack, [first, second], settings: new Dictionary<string, string> { ["Gateway__HealthCheckIntervalSeconds"] = "3600" });
        // The project's own worker, which gets all its requests, stops listening: every connection is refused from
        // now on, as with a SIGKILLed worker.
        var dead = (await gateway.Client.EchoAsync("/rest/v1/things", stack.AnonKey)).Server == first.Name ? first : second;
        var alive = dead == first ? second : first;
        await dead.StopAsync();

        // Uploads first and second, sent to the dead worker before the passive health check takes it out.
        var sent = new List<(string Sha256, long Length)>();
        var failures = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var request = GatewayCalls.Request(HttpMethod.Post, $"/rest/v1/things?n={i}", stack.AnonKey);
            byte[] body;
            if (i is 0 or 1 or 12 or 13)
            {
                body = Upload(i);
                request.RequestUri = new Uri($"/storage/v1/object/bucket/upload-{i}.bin", UriKind.Relative);
                request.Content = new ChunkedContent(body);
            }
            else
            {
                body = Encoding.UTF8.GetBytes($$"""{"id":{{i}},"note":"{{new string('x', i * 100)}}"}""");
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new("application/json");
            }

            using var response = await gateway.Client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{request.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            sent.Add((Convert.ToHexStringLower(SHA256.HashData(body)), body.Length));
        }

        Assert.Empty(failures);
        Assert.Contains(gateway.RecentOutput, line => line.Contains("retrying POST", StringComparison.Ordinal));
        // Each body (all differ) arrived once and intact: nothing lost, truncated or sent twice.
        var received = alive.Received.Select(e => (e.BodySha256, e.BodyLength));
        Assert.Equal(sent.Order(), received.Order());
    }

    private static byte[] Upload(int seed)
    {
        var body = new byte[UploadBytes];
        new Random(seed).NextBytes(body);
        return body;
    }

    /// <summary>A body of unknown length, sent chunked in 64 KiB writes as a streamed upload is.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < body.Length; offset += 64 * 1024)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
