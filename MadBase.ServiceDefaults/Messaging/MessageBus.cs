namespace MadBase.ServiceDefaults.Messaging;

/// <summary>
/// Our narrow view of Redis pub/sub: callers depend on this, not on StackExchange.Redis, so the client and its
/// outage handling (RedisConnection) stay in one place.
/// </summary>
public interface IMessageBus
{
    /// <summary>False when no Redis is configured or it cannot be reached: callers fall back to TTLs.</summary>
    bool IsConnected { get; }

    Task PublishAsync(string channel, string message);

    /// <summary>Completes once the subscription is in place; throws while Redis cannot be reached.</summary>
    Task SubscribeAsync(string channel, Action<string> handler);
}

internal sealed class NoMessageBus : IMessageBus
{
    public bool IsConnected => false;

    public Task PublishAsync(string channel, string message) => Task.CompletedTask;

    public Task SubscribeAsync(string channel, Action<string> handler) => Task.CompletedTask;
}
