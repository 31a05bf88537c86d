using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>Browsers: preflights answered at the edge, and every response readable, errors included.</summary>
[Collection(StackCollection.Name)]
public sealed class GatewayCorsTests(StackFixture stack, GatewayRig rig) : IClassFixture<GatewayRig>, IAsyncLifetime
{
    private const string Origin = "http://localhost:3000";

    public Task InitializeAsync() => rig.EnsureStartedAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Preflight_NoApiKey_Returns204WithTheHeaders()
    {
        using var response = await rig.Client.SendAsync(Preflight("/rest/v1/things", Origin, "apikey, authorization, content-type, prefer, x-client-info"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        var methods = Header(response, "Access-Control-Allow-Methods")!;
        foreach (var method in new[] { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" })
        {
            Assert.Contains(method, methods, StringComparison.Ordinal);
        }

        var headers = Header(response, "Access-Control-Allow-Headers")!;
        foreach (var header in new[] { "apikey", "authorization", "content-type", "prefer", "x-client-info" })
        {
            Assert.Contains(header, headers, StringComparison.OrdinalIgnoreCase);
        }

        Assert.NotNull(Header(response, "Access-Control-Max-Age"));
    }

    [Fact]
    public async Task Preflight_ResumableUpload_AllowsTheTusHeaders()
    {
        using var response = await rig.Client.SendAsync(Preflight("/storage/v1/upload/resumable", Origin, "tus-resumable, upload-length, upload-offset, upload-metadata, x-signature, x-upsert"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var headers = Header(response, "Access-Control-Allow-Headers")!;
        foreach (var header in new[] { "tus-resumable", "upload-length", "upload-offset", "upload-metadata", "x-signature", "x-upsert" })
        {
            Assert.Contains(header, headers, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task ActualRequest_WithOrigin_ExposesTheHeadersClientsRead()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        request.Headers.Add("Origin", Origin);
        using var response = await rig.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        var exposed = Header(response, "Access-Control-Expose-Headers")!;
        foreach (var header in new[] { "content-range", "x-total-count", "x-request-id", "x-sb-error-code", "etag", "location", "upload-offset", "upload-length", "tus-resumable" })
        {
            Assert.Contains(header, exposed, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Unauthorized_WithOrigin_StillCarriesCorsHeaders()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", apiKey: null);
        request.Headers.Add("Origin", Origin);
        using var response = await rig.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AllowedOrigins_Configured_EchoesListedOriginAndVaries()
    {
        await using var upstream = await UpstreamServer.StartAsync("a");
        await using var gateway = await GatewayProcess.StartAsync(
            stack, [upstream], settings: new Dictionary<string, string>
            {
                ["Gateway__Cors__AllowedOrigins__0"] = "https://app.example.test",
            });

        var listed = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        listed.Headers.Add("Origin", "https://app.example.test");
        using var allowed = await gateway.Client.SendAsync(listed);
        Assert.Equal("https://app.example.test", Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", allowed.Headers.Vary);

        using var preflight = await gateway.Client.SendAsync(Preflight("/rest/v1/things", "https://evil.example.test", "apikey"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string path, string origin, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
