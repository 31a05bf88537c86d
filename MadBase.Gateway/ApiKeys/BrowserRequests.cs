namespace MadBase.Gateway.ApiKeys;

/// <summary>
/// Whether a request comes from a web browser, where a secret key must never be. As Supabase does, this goes by
/// the <c>User-Agent</c>, which every browser starts with <c>Mozilla/</c>. Not by <c>Sec-Fetch-*</c> or
/// <c>Origin</c>: Node's and Deno's fetch send those too, and servers are where secret keys belong.
/// </summary>
internal static class BrowserRequests
{
    public const string SecretKeyRefusal = "Forbidden use of secret API key in browser";

    public static bool IsBrowser(HttpRequest request) =>
        request.Headers.UserAgent.ToString().StartsWith("Mozilla/", StringComparison.Ordinal);
}
