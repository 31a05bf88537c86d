using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace MadBase.Gateway.Limits;

internal static class RequestBodyLimit
{
    /// <summary>
    /// Kestrel enforces the limit while the body streams through (YARP then answers 413); a declared
    /// Content-Length over it is refused up front by <see cref="RequestBodyLimitMiddleware"/>.
    /// </summary>
    public static IHostApplicationBuilder AddRequestBodyLimit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>(
            (kestrel, gateway) => kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBodyBytes);
        return builder;
    }
}
