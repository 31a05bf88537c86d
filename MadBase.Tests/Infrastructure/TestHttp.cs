using System.Net;
using System.Text;
using System.Text.Json;

namespace MadBase.Tests.Infrastructure;

/// <summary>The one HttpClient of the tests that call a running stack (see <see cref="TestProject"/>).</summary>
internal static class TestHttp
{
    /// <summary>
    /// Redirects are not followed (a test sees the 303 a mailed link answers, as a browser would before it
    /// moves on), nor are cookies kept; header values go out as UTF-8 so the fuzz suite can send non-ASCII
    /// values as a browser may. The timeout is long enough for the large-object tests; a test that wants a
    /// hang to fail sooner passes its own cancellation.
    /// </summary>
    public static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = TimeSpan.FromMinutes(5),
    };

    public static HttpRequestMessage WithKey(HttpMethod method, string url, string apiKey)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("apikey", apiKey);
        return request;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
