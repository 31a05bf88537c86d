namespace MadBase.ServiceDefaults.Messaging;

/// <summary>
/// Our narrow view of Redis pub/sub. Keeping StackExchange.Redis 1.2.6 (the only version the package
/// mirror can restore) behind it lets us swap clients without touching callers.
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
