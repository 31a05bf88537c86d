using MadBase.AppHost.Supervision;

namespace MadBase.Tests.AppHost;

public sealed class RestartBackoffTests
{
    [Fact]
    public void NextDelay_RepeatedExits_DoublesFromHalfASecondUpTo30Seconds()
    {
        var backoff = new RestartBackoff();

        double[] delays = [.. Enumerable.Range(0, 9).Select(_ => backoff.NextDelay(TimeSpan.FromSeconds(1)).TotalSeconds)];

        Assert.Equal([0.5, 1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Fact]
    public void NextDelay_AfterRunning30Seconds_StartsAgainAtHalfASecond()
    {
        var backoff = new RestartBackoff();
        for (int i = 0; i < 5; i++)
        {
            backoff.NextDelay(null);
        }

        Assert.Equal(TimeSpan.FromSeconds(16), backoff.NextDelay(TimeSpan.FromSeconds(29)));
        Assert.Equal(RestartBackoff.First, backoff.NextDelay(TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.NextDelay(null));
    }
}
