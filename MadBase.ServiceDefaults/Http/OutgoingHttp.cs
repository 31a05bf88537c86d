using MadBase.ServiceDefaults.RequestIds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;

namespace MadBase.ServiceDefaults.Http;

/// <summary>
/// Every HttpClient a service makes through IHttpClientFactory: the request id passed on, Aspire's standard
/// resilience handler (timeouts, circuit breaker, retries) and service discovery (<c>http://control</c> from
/// <c>services__control__http__0</c>). The gateway's proxying is not among them: YARP's forwarder has its own
/// HttpMessageInvoker and the gateway its own connect-retry and passive health (MadBase.Gateway/Upstreams/).
/// </summary>
internal static class OutgoingHttp
{
    public static IHostApplicationBuilder AddOutgoingHttp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTransient<RequestIdHandler>();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddHttpMessageHandler<RequestIdHandler>();
            // Retries only for methods that are safe to send twice: a POST (a sign-up, a mail, a webhook) whose
            // answer was lost may well have been done, and a second one would do it again.
            http.AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }
}
