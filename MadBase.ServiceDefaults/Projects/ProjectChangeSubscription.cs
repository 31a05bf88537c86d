using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// Listens for Control's project-change messages from the moment the service starts, off the request
/// path: subscribing is a Redis round trip, and while Redis is unreachable it retries in the background
/// (the cache TTL covers the gap). StackExchange.Redis restores the subscription after a reconnect.
/// </summary>
internal sealed partial class ProjectChangeSubscription(
    IMessageBus bus, ProjectDirectory directory, ILogger<ProjectChangeSubscription> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await bus.SubscribeAsync(ProjectHeaders.ChangesChannel, directory.Invalidate).WaitAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                LogSubscribeFailed(logger, e);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = EventIds.ProjectChangeSubscriptionFailed, Level = LogLevel.Warning, Message = "Subscribing to project changes failed; retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception error);
}
