using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MadBase.ServiceDefaults.Messaging;

internal static class RedisRegistration
{
    /// <summary>
    /// <see cref="RedisConnection"/> as the <see cref="IMessageBus"/> when <c>ConnectionStrings__redis</c> is set,
    /// a bus that publishes nowhere when it is not.
    /// </summary>
    public static IHostApplicationBuilder AddRedisConnection(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(RedisConnection.ConnectionName)))
        {
            builder.Services.AddSingleton<IMessageBus, NoMessageBus>();
            return builder;
        }

        builder.AddRedisClient(
            RedisConnection.ConnectionName,
            // Aspire's health check pings Redis and waits for the answer, so a frozen Redis would hold /health past
            // the gateway's probe timeout and take every worker out. HealthChecks.cs reads RedisMonitor instead.
            settings => settings.DisableHealthChecks = true,
            options =>
            {
                // Start and serve without Redis: connect in the background, keep retrying (Aspire's default too).
                options.AbortOnConnectFail = false;
                options.ConnectRetry = 3;
                options.ConnectTimeout = 2000;
            });
        builder.Services.AddSingleton(sp => new RedisConnection(
            sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisConnection>>()));
        builder.Services.AddSingleton<IMessageBus>(sp => sp.GetRequiredService<RedisConnection>());
        builder.Services.AddHostedService<RedisMonitor>();
        return builder;
    }
}
