using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MadBase.Cli;
using MadBase.Tests.Gateway;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>
/// Redis is optional: frozen (SIGSTOP) or stopped, every request through the gateway and a worker keeps
/// succeeding, and /health answers 200 at once with "Degraded"; once Redis is back it says Healthy again.
/// A frozen Redis used to fail every request with 503 within seconds: the workers' /health waited 2 s on a
/// Redis ping, as long as the gateway's probe waits, so the gateway took every worker out.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RedisOutageTests(StackFixture stack, RedisOutageRig rig) : IClassFixture<RedisOutageRig>, IAsyncLifetime
{
    /// <summary>Past the point where the gateway (1 s probes, 2 s timeout, 2 failures) took the workers out.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(6);

    public Task InitializeAsync() => rig.EnsureStartedAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task FrozenRedis_RequestsAndHealth_KeepSucceedingDegradedThenHealthy()
    {
        await rig.WaitForHealthAsync("Healthy");

        Signal(RedisOutageRig.SigStop);
        Outcome outcome;
        try
        {
            outcome = await rig.ThroughOutageAsync(Outage);
        }
        finally
        {
            Signal(RedisOutageRig.SigCont);
        }

        Assert.Empty(outcome.FailedRequests);
        Assert.Empty(outcome.SlowHealth);
        Assert.All(outcome.LastHealth, h => Assert.Equal("Degraded", h.Status));
        Assert.All(outcome.LastHealth, h => Assert.StartsWith("redis not answering", h.Redis, StringComparison.Ordinal));
        await rig.WaitForHealthAsync("Healthy");
    }

    [Fact]
    public async Task StoppedRedis_RequestsAndHealth_KeepSucceedingDegradedThenHealthy()
    {
        await rig.WaitForHealthAsync("Healthy");

        await rig.Redis.StopAsync();
        Outcome outcome;
        try
        {
            outcome = await rig.ThroughOutageAsync(Outage);
        }
        finally
        {
            await rig.StartRedisAsync();
        }

        Assert.Empty(outcome.FailedRequests);
        Assert.Empty(outcome.SlowHealth);
        Assert.All(outcome.LastHealth, h => Assert.Equal("Degraded", h.Status));
        Assert.All(outcome.LastHealth, h => Assert.StartsWith("redis not connected", h.Redis, StringComparison.Ordinal));
        await rig.WaitForHealthAsync("Healthy");
    }

    private void Signal(int signal) => Assert.Equal(0, NativeMethods.Kill(rig.Redis.Process.Id, signal));
}

/// <summary>What a test saw while Redis was away.</summary>
public sealed record Outcome(
    IReadOnlyList<string> FailedRequests,
    IReadOnlyList<string> SlowHealth,
    IReadOnlyList<(string Service, string Status, string Redis)> LastHealth);

/// <summary>
/// A redis-server of its own (the stack's is shared by every test), a worker and a gateway that use it,
/// and a project to call; started by the first test of the class, stopped after the last.
/// </summary>
public sealed class RedisOutageRig : IAsyncLifetime
{
    internal const int SigCont = 18;
    internal const int SigStop = 19;

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly HttpClient health = new() { Timeout = TimeSpan.FromSeconds(5) };
    private TempDirectory? directory;
    private RedisServer? redis;
    private ServiceProcess? worker;
    private GatewayProcess? gateway;
    private OutageProject? project;
    private int redisPort;

    internal RedisServer Redis => redis ?? throw new InvalidOperationException("Redis is not running.");

    public async Task EnsureStartedAsync(StackFixture stack)
    {
        await gate.WaitAsync();
        try
        {
            if (gateway is not null)
            {
                return;
            }

            directory = TempDirectory.Create("mbro");
            redisPort = FreePorts.Next();
            await StartRedisAsync();
            var settings = new Dictionary<string, string?> { ["ConnectionStrings__redis"] = Redis.ConnectionString };
            worker = await ExtraWorker.StartAsync(stack, directory, "worker-own-redis", settings);
            gateway = await GatewayProcess.StartAsync(stack, [worker.Url], new Dictionary<string, string> { ["ConnectionStrings__redis"] = Redis.ConnectionString });
            project = await OutageProject.CreateAsync(stack, "redis outage");
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Starts redis-server on this rig's port, the first time or again after a test stopped it.</summary>
    internal async Task StartRedisAsync()
    {
        var executable = RedisServer.FindExecutable();
        Assert.True(executable is not null, "redis-server is not installed: apt-get install -y redis-server");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        redis = await RedisServer.StartAsync(executable!, redisPort, directory!.FullPath, directory.Combine("redis.log"), timeout.Token);
    }

    /// <summary>
    /// For <paramref name="duration"/>: a request to each module through the gateway every quarter second,
    /// and the worker's and gateway's /health, each of which must answer within a second.
    /// </summary>
    internal async Task<Outcome> ThroughOutageAsync(TimeSpan duration)
    {
        var failed = new List<string>();
        var slow = new List<string>();
        IReadOnlyList<(string, string, string)> last = [];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            foreach (var (module, status, body) in await project!.RoundAsync(gateway!.Url))
            {
                if (status != 200)
                {
                    failed.Add($"{clock.Elapsed.TotalSeconds:F1} s {module}: {status} {body}");
                }
            }

            var answers = new List<(string, string, string)>();
            foreach (var (service, url) in Services())
            {
                var started = Stopwatch.GetTimestamp();
                var (status, redisCheck) = await HealthAsync(url);
                var took = Stopwatch.GetElapsedTime(started);
                if (took > TimeSpan.FromSeconds(1) || status is null)
                {
                    slow.Add($"{clock.Elapsed.TotalSeconds:F1} s {service} /health: {status ?? "no answer"} in {took.TotalMilliseconds:F0} ms");
                }

                answers.Add((service, status ?? "", redisCheck));
            }

            last = answers;
            await Task.Delay(250);
        }

        return new Outcome(failed, slow, last);
    }

    /// <summary>Waits until both services report <paramref name="expected"/> (Redis reconnects within seconds).</summary>
    internal async Task WaitForHealthAsync(string expected)
    {
        var clock = Stopwatch.StartNew();
        var seen = new List<string>();
        while (true)
        {
            seen.Clear();
            foreach (var (service, url) in Services())
            {
                seen.Add($"{service}: {(await HealthAsync(url)).Status}");
            }

            if (seen.All(s => s.EndsWith(": " + expected, StringComparison.Ordinal)))
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"not {expected} after 30 s: {string.Join(", ", seen)}");
            await Task.Delay(250);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (worker is not null)
        {
            await worker.DisposeAsync();
        }

        if (redis is not null)
        {
            // A test that failed between SIGSTOP and SIGCONT must not leave a process that ignores SIGTERM.
            NativeMethods.Kill(redis.Process.Id, SigCont);
            await redis.DisposeAsync();
        }

        directory?.Dispose();
        health.Dispose();
        gate.Dispose();
    }

    private IEnumerable<(string Service, Uri Url)> Services() => [("worker", worker!.Url), ("gateway", gateway!.Url)];

    private async Task<(string? Status, string Redis)> HealthAsync(Uri service)
    {
        try
        {
            using var response = await health.GetAsync(new Uri(service, "/health"));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return ($"HTTP {(int)response.StatusCode}", "");
            }

            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var redisCheck = json.GetProperty("checks").GetProperty("redis");
            return (json.GetProperty("status").GetString(), redisCheck.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, "");
        }
    }
}
