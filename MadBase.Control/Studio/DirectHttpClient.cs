namespace MadBase.Control.Studio;

internal static class DirectHttpClient
{
    /// <summary>
    /// A named client without the standard resilience handler every client gets (ServiceDefaults' OutgoingHttp):
    /// Studio's uploads and downloads must not be cut off by its 10 s attempt timeout, and a health probe must
    /// not be retried into looking merely slow. The request id is still passed on.
    /// </summary>
    public static IHttpClientBuilder AddDirectHttpClient(this IServiceCollection services, string name, TimeSpan timeout)
    {
#pragma warning disable EXTEXP0001 // Evaluation API, but the only way to take the default handler off one client.
        return services.AddHttpClient(name, http => http.Timeout = timeout).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
