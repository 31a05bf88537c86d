using System.Threading.Channels;

namespace MadBase.Tests.Gateway;

/// <summary>
/// Requests an <see cref="UpstreamServer"/> keeps in flight until the test says: a burst held this way stays
/// counted by the gateway's load balancing for as long as the test needs, without sleeping.
/// </summary>
public sealed class HeldRequests
{
    private readonly Channel<string> arrivals = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The name of the upstream the next held request reached.</summary>
    public async Task<string> NextArrivalAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await arrivals.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Lets every held request, and any later one, answer.</summary>
    public void ReleaseAll() => released.TrySetResult();

    internal async Task WaitAsync(string server, CancellationToken cancellationToken)
    {
        arrivals.Writer.TryWrite(server);
        await released.Task.WaitAsync(cancellationToken);
    }
}
