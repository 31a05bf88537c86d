using System.Net;

using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.LocalStack;

/// <summary>The stack the "stack" collection shares: everything healthy, and a worker can go and come back.</summary>
[Collection(StackCollection.Name)]
public sealed class LocalStackTests(StackFixture fixture)
{
    [Fact]
    public async Task StartAsync_AllHealthy_WritesStackEnv()
    {
        using HttpResponseMessage health = await TestHttp.Client.GetAsync(new Uri(fixture.ApiUrl + "/health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotEmpty(fixture.AnonKey);
        IReadOnlyDictionary<string, string>? env = StackEnvFile.Read(fixture.Stack.DataDirectory);
        Assert.NotNull(env);
        Assert.Equal(fixture.ApiUrl, env["API_URL"]);
        Assert.Equal(fixture.DbUrl, env["DB_URL"]);

        // The default project's publishable and secret keys, as `supabase status` prints them for the CLI's stack.
        Assert.StartsWith("sb_publishable_", env["PUBLISHABLE_KEY"], StringComparison.Ordinal);
        Assert.StartsWith("sb_secret_", env["SECRET_KEY"], StringComparison.Ordinal);
        // Only service_role may list users: the secret key runs as it, the publishable key as anon.
        foreach (var (key, status) in new[] { (env["SECRET_KEY"], HttpStatusCode.OK), (env["PUBLISHABLE_KEY"], HttpStatusCode.Forbidden) })
        {
            using var request = TestHttp.WithKey(HttpMethod.Get, fixture.ApiUrl + "/auth/v1/admin/users", key);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
        }
    }

    [Fact]
    public async Task Worker_StoppedAndStarted_IsHealthyAgain()
    {
        ServiceProcess worker = fixture.Stack.Workers[^1];
        await worker.StopAsync();
        Assert.False(worker.IsRunning);
        await worker.StartAsync(CancellationToken.None);
        Assert.True(worker.IsRunning);
    }
}
