using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

[Collection(StackCollection.Name)]
public sealed class WorkerFailoverTests(StackFixture stack)
{
    [Fact]
    public async Task Gateway_StoppedWorker_IsTakenOutOfRotationAndRequestsKeepSucceeding()
    {
        var worker = stack.Stack.Workers[0];
        await worker.StopAsync();
        try
        {
            // Active checks run every second in the fixture; give them a few rounds.
            await Task.Delay(TimeSpan.FromSeconds(3));
            for (var i = 0; i < 20; i++)
            {
                using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/settings", stack.AnonKey);
                using var response = await TestHttp.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            await worker.StartAsync(CancellationToken.None);
        }

        // Back in rotation: the restarted worker serves again once its health checks pass.
        Assert.True(worker.IsRunning);
        using var direct = await TestHttp.Client.GetAsync(new Uri(worker.Url, "/health"));
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
    }
}
