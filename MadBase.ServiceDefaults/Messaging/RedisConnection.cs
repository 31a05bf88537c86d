using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MadBase.ServiceDefaults.Messaging;

/// <summary>
/// The process's one Redis multiplexer (<c>ConnectionStrings__redis</c>, optional). Connects in the
/// background and keeps retrying, so a service starts, and serves, while Redis is down or absent.
/// </summary>
public sealed partial class RedisConnection : IMessageBus, IDisposable
{
    public const string ConnectionName = "redis";

    private readonly ConnectionMultiplexer multiplexer;
    private readonly ILogger<RedisConnection> logger;

    private RedisConnection(ConnectionMultiplexer multiplexer, ILogger<RedisConnection> logger)
    {
        this.multiplexer = multiplexer;
        this.logger = logger;
    }

    public bool IsConnected => multiplexer.IsConnected;

    public IDatabase Database => multiplexer.GetDatabase();

    public async Task<TimeSpan> PingAsync() => await multiplexer.GetDatabase().PingAsync();

    public async Task PublishAsync(string channel, string message)
    {
        try
        {
            await multiplexer.GetSubscriber().PublishAsync(channel, message);
        }
        catch (RedisException e)
        {
            // Subscribers fall back to their cache TTL, so a lost message delays, never breaks.
            LogPublishFailed(logger, e, channel);
        }
    }

    public Task SubscribeAsync(string channel, Action<string> handler) =>
        multiplexer.GetSubscriber().SubscribeAsync(channel, (_, value) => handler(value.ToString()));

    public void Dispose() => multiplexer.Dispose();

    internal static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddSingleton<IMessageBus, NoMessageBus>();
            return;
        }

        services.AddSingleton(sp =>
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            options.ConnectRetry = 3;
            options.ConnectTimeout = 2000;
            var multiplexer = ConnectionMultiplexer.Connect(options);
            return new RedisConnection(multiplexer, sp.GetRequiredService<ILogger<RedisConnection>>());
        });
        services.AddSingleton<IMessageBus>(sp => sp.GetRequiredService<RedisConnection>());
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Redis publish on {Channel} failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception error, string channel);
}
