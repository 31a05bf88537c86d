using MadBase.Gateway.Upstreams;
using Microsoft.Extensions.Options;

namespace MadBase.Gateway;

internal static class GatewayOptionsExtensions
{
    /// <summary>Binds and validates the gateway's settings and its upstream addresses; a bad value stops the start.</summary>
    public static IHostApplicationBuilder AddGatewayOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .PostConfigure<IConfiguration>(AddCommaSeparatedOrigins)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.Services.AddOptions<UpstreamOptions>().Configure<IConfiguration>(UpstreamOptions.Read).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>();
        return builder;
    }

    /// <summary>
    /// <c>Gateway__Cors__AllowedOrigins=https://a.example,https://b.example</c> is what people write; the
    /// binder only fills arrays from <c>…__0</c>, <c>…__1</c> and would silently ignore it.
    /// </summary>
    private static void AddCommaSeparatedOrigins(GatewayOptions options, IConfiguration configuration)
    {
        var listed = configuration[$"{GatewayOptions.Section}:Cors:AllowedOrigins"];
        if (!string.IsNullOrWhiteSpace(listed))
        {
            options.Cors.AllowedOrigins =
            [
                .. options.Cors.AllowedOrigins,
                .. listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ];
        }
    }
}
