using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Messaging;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Hands a slot holder's changes to every worker with subscribers in the project: its own directly, the
/// others through Redis pub/sub (one channel per project, listened to by the workers that have subscribers there).
/// </summary>
internal sealed class ChangeFanOut(IMessageBus bus, IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, Action<WalTransaction>> receivers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task>> listening = new(StringComparer.Ordinal);

    // Without Redis configured there is one worker, and local delivery is the whole fan-out.
    private readonly bool redisConfigured = !string.IsNullOrEmpty(configuration.GetConnectionString("redis"));

    public string WorkerId { get; } = Guid.NewGuid().ToString("N");

    public static string Channel(string projectRef) => "madbase:realtime:changes:" + projectRef;

    /// <summary>
    /// Completes once every worker's subscribers can have the changes; throws when they cannot (Redis is
    /// configured but down), and then the holder must not confirm them to Postgres.
    /// </summary>
    public async Task PublishAsync(string projectRef, IReadOnlyList<WalChange> changes, IReadOnlyList<string>? refreshed = null)
    {
        var transaction = new WalTransaction(WorkerId, changes, refreshed is { Count: > 0 } ? refreshed : null);
        if (receivers.TryGetValue(projectRef, out var local))
        {
            local(transaction);
        }

        if (redisConfigured && !bus.IsConnected)
        {
            throw new InvalidOperationException("Redis is not connected: the other workers' subscribers cannot be reached");
        }

        await bus.PublishAsync(Channel(projectRef), transaction.Serialize());
    }

    /// <summary>
    /// Routes the project's changes, from this worker's holder or another's, to <paramref name="receive"/>;
    /// completes once the Redis subscription is in place. The subscription stays for the process's life (the
    /// bus has no unsubscribe); messages for a project without a receiver are dropped.
    /// </summary>
    public async Task ListenAsync(string projectRef, Action<WalTransaction> receive)
    {
        receivers[projectRef] = receive;
        if (!redisConfigured)
        {
            return;
        }

        var subscription = listening.GetOrAdd(projectRef, _ => new Lazy<Task>(() => bus.SubscribeAsync(Channel(projectRef), message =>
        {
            var transaction = WalTransaction.Deserialize(message);
            if (transaction is not null && transaction.Origin != WorkerId && receivers.TryGetValue(projectRef, out var handler))
            {
                handler(transaction);
            }
        })));
        try
        {
            await subscription.Value;
        }
        catch
        {
            listening.TryRemove(new KeyValuePair<string, Lazy<Task>>(projectRef, subscription));
            throw;
        }
    }

    public void Stop(string projectRef, Action<WalTransaction> receive) =>
        receivers.TryRemove(new KeyValuePair<string, Action<WalTransaction>>(projectRef, receive));
}
