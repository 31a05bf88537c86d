namespace MadBase.Gateway.ApiKeys;

/// <summary>
/// Whether a request comes from a web browser, where a secret key must never be: Supabase refuses secret keys
/// by the <c>User-Agent</c>, which every browser starts with <c>Mozilla/</c>. The <c>Sec-Fetch-*</c> headers
/// count too: only browsers send them, and page scripts cannot set or remove them.
/// </summary>
internal static class BrowserRequests
{
    public const string SecretKeyRefusal = "Forbidden use of secret API key in browser";

    public static bool IsBrowser(HttpRequest request) =>
        request.Headers.UserAgent.ToString().StartsWith("Mozilla/", StringComparison.Ordinal)
        || request.Headers.ContainsKey("Sec-Fetch-Mode")
        || request.Headers.ContainsKey("Sec-Fetch-Site");
}
