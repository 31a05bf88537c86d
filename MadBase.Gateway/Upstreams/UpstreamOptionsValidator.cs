using Microsoft.Extensions.Options;

namespace MadBase.Gateway.Upstreams;

internal sealed class UpstreamOptionsValidator(IOptions<GatewayOptions> gateway) : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        if (gateway.Value.CoLocated && options.Workers.Count > 0)
        {
            // Either mode is a whole deployment's choice; half of each would leave those workers idle.
            return ValidateOptionsResult.Fail(
                "Gateway__CoLocated serves the worker's APIs in this process: unset services__worker__http__* or turn co-located mode off");
        }

        if (options.Workers.Count == 0 && !gateway.Value.CoLocated)
        {
            return ValidateOptionsResult.Fail(
                "services__worker__http__0 is not set: give the URL of at least one worker (services__worker__http__1, … for more), or set Gateway__CoLocated=true to serve them in this process");
        }

        var errors = options.Workers.Append(options.Control)
            .OfType<UpstreamAddress>()
            .Where(a => !IsHttpUrl(a.Url))
            .Select(a => $"{a.Variable} must be an absolute http(s) URL such as http://127.0.0.1:8002 (got '{a.Url}')")
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0;
}
