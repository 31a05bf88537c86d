using MadBase.ServiceDefaults.Http;

namespace MadBase.Control.Studio;

/// <summary>
/// Where Studio reaches the other services, in Aspire's service-discovery shape as the gateway reads them:
/// <c>services__gateway__http__0</c> (the project APIs Studio calls as each project's owner, and the gateway's
/// recent-requests log) and <c>services__worker__http__0..n</c> (their health). The AppHost, <c>madbase start</c>
/// and the compose file set them; without the gateway's, Studio's Auth, Storage and Logs pages answer 503.
/// </summary>
internal sealed class StudioUpstreams
{
    public Uri? Gateway { get; private set; }

    public IReadOnlyList<(string Name, Uri Url)> Workers { get; private set; } = [];

    public static StudioUpstreams Read(IConfiguration configuration) => new()
    {
        Gateway = Addresses(configuration, "gateway").FirstOrDefault(),
        Workers = [.. Addresses(configuration, "worker").Select((url, i) => ($"worker-{i + 1}", url))],
    };

    private static IEnumerable<Uri> Addresses(IConfiguration configuration, string service) =>
        ServiceAddresses.Read(configuration, service)
            .Select(a => Uri.TryCreate(a.Url, UriKind.Absolute, out var url) ? url : null)
            .OfType<Uri>();
}
