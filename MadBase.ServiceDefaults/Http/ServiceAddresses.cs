using Microsoft.Extensions.Configuration;

namespace MadBase.ServiceDefaults.Http;

/// <summary>
/// Another service's addresses in Aspire's service-discovery shape (<c>services__worker__http__0..n</c>), as the
/// AppHost, the compose file and <c>madbase start</c> give them to the gateway and to Control.
/// </summary>
public static class ServiceAddresses
{
    /// <summary>
    /// The http endpoints, or the https ones when a service has no http endpoint. Never both: Aspire lists
    /// each replica once per endpoint, and taking both would count every replica twice. Each comes with the
    /// environment variable it was read from, for error messages.
    /// </summary>
    public static IReadOnlyList<(string Variable, string Url)> Read(IConfiguration configuration, string service)
    {
        foreach (var scheme in (string[])["http", "https"])
        {
            var addresses = configuration.GetSection($"services:{service}:{scheme}").GetChildren()
                .Where(c => !string.IsNullOrWhiteSpace(c.Value))
                .Select(c => (c.Path.Replace(":", "__", StringComparison.Ordinal), c.Value!.Trim()))
                .ToList();
            if (addresses.Count > 0)
            {
                return addresses;
            }
        }

        return [];
    }
}
