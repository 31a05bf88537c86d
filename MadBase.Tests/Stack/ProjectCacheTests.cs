using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>
/// Workers and the gateway cache projects for 30 s; Control's message on Redis must make a change visible
/// at once. Needs Redis (the test fixtures start it; .ci/run installs it).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ProjectCacheTests(StackFixture stack)
{
    [Fact]
    public async Task PatchSettings_IsSeenByEveryWorkerWellBeforeTheCacheTtl()
    {
        Assert.True(stack.Stack.Redis is not null, "redis-server is not installed: apt-get install -y redis-server");
        var project = await TestProject.CreateAsync(stack, "cache", new { auth = new { disable_signup = false } });
        var (projectRef, anonKey) = (project.Ref, project.AnonKey);

        // Warm every worker's cache with the old settings.
        for (var i = 0; i < 4; i++)
        {
            Assert.False(await DisableSignupAsync(anonKey));
        }

        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"{stack.AdminUrl}/projects/{projectRef}")
        {
            Content = JsonContent.Create(new { settings = new { auth = new { disable_signup = true } } }),
        })
        {
            patch.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
            using var response = await TestHttp.Client.SendAsync(patch);
            Assert.True(response.IsSuccessStatusCode);
        }

        var clock = Stopwatch.StartNew();
        var seen = 0;
        while (seen < 4 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            seen = await DisableSignupAsync(anonKey) ? seen + 1 : 0;
        }

        Assert.True(seen == 4, $"after {clock.Elapsed.TotalSeconds:F1} s the change was not seen by every worker");
    }

    private async Task<bool> DisableSignupAsync(string anonKey)
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/settings", anonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await TestHttp.JsonAsync(response)).GetProperty("disable_signup").GetBoolean();
    }
}
