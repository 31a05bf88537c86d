using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using MadBase.ServiceDefaults.Errors;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MadBase.Gateway.RateLimiting;

/// <summary>
/// A token bucket per client IP: <c>Gateway:RateLimit:PermitsPerSecond</c> sustained, <c>Burst</c> at once.
/// Health probes are exempt so an orchestrator never sees a busy gateway as a dead one.
/// </summary>
internal static class GatewayRateLimits
{
    private const string ExemptPartition = "exempt";

    public static IHostApplicationBuilder AddGatewayRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<GatewayOptions>>(
            (limiter, gateway) => Configure(limiter, gateway.Value.RateLimit));
        return builder;
    }

    public static WebApplication UseGatewayRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    private static void Configure(RateLimiterOptions limiter, RateLimitSettings settings)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = OnRejectedAsync;
        if (settings.PermitsPerSecond == 0)
        {
            return;
        }

        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.EffectiveBurst,
            TokensPerPeriod = settings.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        };
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            IsExempt(context.Request.Path)
                ? RateLimitPartition.GetNoLimiter(ExemptPartition)
                : RateLimitPartition.GetTokenBucketLimiter(ClientAddress(context), _ => bucket));
    }

    private static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/alive", StringComparison.OrdinalIgnoreCase);

    private static string ClientAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        return address?.ToString() ?? IPAddress.None.ToString();
    }

    private static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(ErrorResponse.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate limit exceeded"));
    }
}
