using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using MadBase.Cli;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace MadBase.Tests.Stack;

/// <summary>
/// With OTEL_EXPORTER_OTLP_ENDPOINT set, a worker exports traces, metrics and logs over OTLP/HTTP; the
/// request id travels in the span. The receiver is a real HTTP server that keeps what it is sent.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TelemetryTests(StackFixture stack)
{
    [Fact]
    public async Task Worker_OtlpEndpointSet_ExportsTracesMetricsAndLogs()
    {
        var received = new ConcurrentDictionary<string, ConcurrentBag<byte[]>>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.GetOrAdd(signal, _ => []).Add(body.ToArray());
            return Results.Ok();
        });
        await receiver.StartAsync();

        using var directory = TempDirectory.Create("mbotel");
        await using var worker = await ExtraWorker.StartAsync(stack, directory, "worker-otel", new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Urls.First(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "madbase-worker-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(worker.Url, "/auth/v1/settings")))
        {
            request.Headers.Add(ProjectHeaders.ProjectRef, "default");
            request.Headers.Add("X-Request-Id", "otel-request-4711");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AnonKey);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        for (var i = 0; i < 100 && !(Contains(received, "traces", "otel-request-4711") && received.ContainsKey("metrics") && received.ContainsKey("logs")); i++)
        {
            await Task.Delay(100);
        }

        await worker.StopAsync();
        Assert.True(Contains(received, "traces", "otel-request-4711"), "no span carried the request id");
        Assert.True(Contains(received, "traces", "madbase-worker-test"), "spans lack the service name");
        Assert.True(received.ContainsKey("metrics"), "no metrics exported");
        Assert.True(received.ContainsKey("logs"), "no logs exported");
        await receiver.StopAsync();
    }

    /// <summary>
    /// A collector that accepts connections and never answers (a dashboard on its way out, a stalled collector):
    /// the worker's last flush used to hold it 10 s and more after SIGTERM, each signal waiting out its export.
    /// </summary>
    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Worker_CollectorNeverAnswers_StopsWithinTheFlushBudget(string protocol)
    {
        using var collector = new TcpListener(IPAddress.Loopback, 0);
        collector.Start();
        var held = new ConcurrentBag<TcpClient>();
        using var accepting = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            while (!accepting.IsCancellationRequested)
            {
                held.Add(await collector.AcceptTcpClientAsync(accepting.Token));
            }
        });

        using var directory = TempDirectory.Create("mbotelstop");
        await using var worker = await ExtraWorker.StartAsync(stack, directory, "worker-otel-stalled", new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)collector.LocalEndpoint).Port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(worker.Url, "/auth/v1/settings")))
        {
            request.Headers.Add(ProjectHeaders.ProjectRef, "default");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AnonKey);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Exports are under way (and hanging) before the stop, as they are when a dashboard goes first.
        for (var i = 0; i < 50 && held.IsEmpty; i++)
        {
            await Task.Delay(100);
        }

        Assert.False(held.IsEmpty, "the worker never connected to the collector");
        var clock = Stopwatch.StartNew();
        await worker.StopAsync();
        clock.Stop();

        await accepting.CancelAsync();
        collector.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => accept);
        foreach (var client in held)
        {
            client.Dispose();
        }

        // The flush budget is 2 s; the process's own start of shutdown and exit add well under a second here.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5),
            $"the worker took {clock.Elapsed.TotalSeconds:F1} s to stop:\n{string.Join('\n', worker.RecentOutput().TakeLast(15))}");
        Assert.Equal(0, ((ChildProcess)worker.Process!).ExitCode);
    }

    // OTLP protobuf keeps strings as raw UTF-8, so a byte search finds attribute values.
    private static bool Contains(ConcurrentDictionary<string, ConcurrentBag<byte[]>> received, string signal, string text) =>
        received.TryGetValue(signal, out var bodies)
        && bodies.Any(b => b.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0);
}
