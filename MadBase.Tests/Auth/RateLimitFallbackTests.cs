using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Auth;

/// <summary>
/// A worker without Redis still enforces GoTrue's per-IP limits, counting in its own process: a worker
/// process started with no <c>ConnectionStrings__redis</c>, called directly as the gateway would.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RateLimitFallbackTests(StackFixture stack)
{
    [Fact]
    public async Task Recover_WorkerWithoutRedis_PerIpLimitStillReturns429()
    {
        var auth = await TestProject.CreateAsync(stack, "limits without redis", new { auth = new { rate_limit_otp = 2 } });
        using var directory = TempDirectory.Create("mbrl");
        await using var worker = await ExtraWorker.StartAsync(stack, directory, "worker-no-redis", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = null,
        });
        using (var health = await TestHttp.Client.GetAsync(new Uri(worker.Url, "/health")))
        {
            var checks = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
            Assert.Equal("not configured", checks.GetProperty("redis").GetProperty("description").GetString());
        }

        // Counts live in fixed five-minute windows: start well inside one, so no window ends mid-test.
        var intoWindow = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 300_000;
        if (intoWindow > 290_000)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300_000 - intoWindow + 100));
        }

        var client = $"198.51.100.{Random.Shared.Next(1, 255)}";
        var other = $"203.0.113.{Random.Shared.Next(1, 255)}";

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((int)(await RecoverAsync(worker.Url, auth, client, versioned: true)).Status);
        }

        var limited = await RecoverAsync(worker.Url, auth, client, versioned: true);
        var legacy = await RecoverAsync(worker.Url, auth, client, versioned: false);
        var otherClient = await RecoverAsync(worker.Url, auth, other, versioned: true);

        Assert.Equal([200, 200, 429], statuses);
        limited.AssertAuthError(429, "over_request_rate_limit");
        Assert.Equal("Request rate limit reached", limited.Element.GetProperty("message").GetString());
        legacy.AssertStatus(429);
        Assert.Equal(429, legacy.Element.GetProperty("code").GetInt32());
        Assert.Equal("over_request_rate_limit", legacy.Element.GetProperty("error_code").GetString());
        Assert.Equal("over_request_rate_limit", legacy.Headers["x-sb-error-code"]);
        otherClient.AssertStatus(200);
    }

    private static async Task<ApiResponse> RecoverAsync(Uri worker, TestProject auth, string clientIp, bool versioned)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(worker, "/auth/v1/recover"));
        request.Headers.Add(ProjectHeaders.ProjectRef, auth.Ref);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.AnonKey);
        request.Headers.Add("X-Forwarded-For", clientIp);
        if (versioned)
        {
            request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        }

        request.Content = new StringContent(JsonSerializer.Serialize(new { email = AuthCalls.UniqueEmail("limit") }), Encoding.UTF8, "application/json");
        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }
}
