using Microsoft.AspNetCore.Http;

namespace MadBase.ServiceDefaults.RequestIds;

/// <summary>Passes the current request's id on every outgoing HttpClient call.</summary>
internal sealed class RequestIdHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var id = accessor.HttpContext?.TraceIdentifier;
        if (id is not null && !request.Headers.Contains(RequestId.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(RequestId.HeaderName, id);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
