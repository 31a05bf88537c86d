using MadBase.Control.Admin;
using MadBase.Control.Projects;
using MadBase.ServiceDefaults.Projects;
using Microsoft.AspNetCore.Http.Features;

namespace MadBase.Control.Studio.ProjectApis;

/// <summary>
/// Sends one Studio request on to a project's own API through the gateway, as the project's owner (its
/// service_role key as apikey and bearer), and streams both bodies: an upload goes through Control without
/// being held in memory, a download likewise. Only the headers the APIs need travel each way.
/// </summary>
internal sealed class ProjectApiForwarder(IHttpClientFactory clients, StudioUpstreams upstreams, ProjectStore store)
{
    public const string ClientName = "studio-project-api";

    private static readonly string[] RequestHeaders = ["Accept", "x-upsert", "Cache-Control"];

    private static readonly string[] ResponseHeaders =
        ["Content-Type", "Content-Length", "Content-Disposition", "ETag", "Last-Modified", "Cache-Control", "X-Total-Count"];

    public async Task<IResult> ForwardAsync(HttpContext http, string projectRef, string upstreamPath)
    {
        var gateway = upstreams.Gateway ?? throw new AdminException(
            StatusCodes.Status503ServiceUnavailable, "Studio does not know the gateway's URL (services__gateway__http__0)");
        var project = await store.FindAsync(projectRef, http.RequestAborted) ?? throw AdminException.NotFound("project not found");
        var request = http.Request;

        using var upstream = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(gateway, upstreamPath + request.QueryString));
        upstream.Headers.TryAddWithoutValidation("apikey", project.ServiceRoleKey);
        upstream.Headers.TryAddWithoutValidation("Authorization", "Bearer " + project.ServiceRoleKey);
        foreach (var name in RequestHeaders)
        {
            if (request.Headers.TryGetValue(name, out var value))
            {
                upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            // Kestrel's 30 MB default would cut uploads off: the storage API enforces the project's and the
            // bucket's limits, and the gateway in front of Control its own (Gateway__MaxRequestBodyBytes).
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
            }

            upstream.Content = new StreamContent(request.Body);
            if (request.ContentType is { } contentType)
            {
                upstream.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            upstream.Content.Headers.ContentLength = request.ContentLength;

            // The storage API refuses a file over its bucket's limit from the headers alone: waiting for its
            // 100 Continue lets that answer through instead of a connection reset half-way through the body.
            upstream.Headers.ExpectContinue = true;
        }

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(upstream, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        }
        catch (HttpRequestException)
        {
            throw new AdminException(StatusCodes.Status502BadGateway, "the gateway did not answer");
        }

        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode;
            foreach (var name in ResponseHeaders)
            {
                if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                {
                    http.Response.Headers[name] = values.ToArray();
                }
            }

            // A stored object is the project's users' content, not Studio's: never let it run as a page of this origin.
            http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }

        return Results.Empty;
    }
}
