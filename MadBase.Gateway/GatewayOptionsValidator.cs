using MadBase.ServiceDefaults.Projects;
using Microsoft.Extensions.Options;

namespace MadBase.Gateway;

/// <summary>Stops the gateway at start on a bad setting, naming the environment variable to fix.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        Range(errors, "Gateway__HealthCheckIntervalSeconds", options.HealthCheckIntervalSeconds, 1, 3600);
        Range(errors, "Gateway__UpstreamTimeoutSeconds", options.UpstreamTimeoutSeconds, 1, 86_400);
        Range(errors, "Gateway__Cors__MaxAgeSeconds", options.Cors.MaxAgeSeconds, 0, 86_400);
        Range(errors, "Gateway__RateLimit__PermitsPerSecond", options.RateLimit.PermitsPerSecond, 0, 1_000_000);
        if (options.RateLimit.Burst is { } burst)
        {
            Range(errors, "Gateway__RateLimit__Burst", burst, 1, 10_000_000);
        }

        if (options.MaxRequestBodyBytes <= 0)
        {
            errors.Add($"Gateway__MaxRequestBodyBytes must be a positive number of bytes (got {options.MaxRequestBodyBytes})");
        }

        if (!ProjectRefs.IsValid(options.DefaultProject))
        {
            errors.Add($"Gateway__DefaultProject must be a project ref (3-40 lowercase letters and digits, starting with a letter; got '{options.DefaultProject}')");
        }

        for (var i = 0; i < options.Cors.AllowedOrigins.Length; i++)
        {
            var origin = options.Cors.AllowedOrigins[i];
            if (origin != "*" && !IsOrigin(origin.Replace("://*.", "://", StringComparison.Ordinal)))
            {
                errors.Add($"Gateway__Cors__AllowedOrigins__{i} must be '*' or an origin such as https://app.example.com (got '{origin}')");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string variable, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{variable} must be between {min} and {max} (got {value})");
        }
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/"
        && !value.EndsWith('/');
}
