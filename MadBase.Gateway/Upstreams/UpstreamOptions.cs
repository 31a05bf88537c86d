using MadBase.ServiceDefaults.Http;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// Upstream addresses in Aspire's service-discovery shape: <c>services__worker__http__0..n</c> and
/// <c>services__control__http__0</c>, so the same binary runs under the AppHost, compose or the local stack.
/// </summary>
internal sealed class UpstreamOptions
{
    public IReadOnlyList<UpstreamAddress> Workers { get; set; } = [];

    /// <summary>Optional: without Control the gateway still serves the API, only <c>/admin/v1</c> is absent.</summary>
    public UpstreamAddress? Control { get; set; }

    public static void Read(UpstreamOptions options, IConfiguration configuration)
    {
        options.Workers = Addresses(configuration, "worker");
        options.Control = Addresses(configuration, "control").FirstOrDefault();
    }

    private static List<UpstreamAddress> Addresses(IConfiguration configuration, string service) =>
        [.. ServiceAddresses.Read(configuration, service).Select(a => new UpstreamAddress(a.Variable, a.Url))];
}

/// <param name="Variable">The environment variable it came from, for error messages.</param>
internal sealed record UpstreamAddress(string Variable, string Url);
