using System.Net;

namespace MadBase.Tests.Auth;

/// <summary>The account a test signs in as at the OIDC provider.</summary>
internal sealed record ProviderAccount(string Sub, string Email, bool EmailVerified = true, string Name = "Test User");

/// <summary>
/// What a browser does in an OAuth sign-in, without one: follows the redirects from MadBase's /authorize to the
/// provider, keeps the provider's cookies, logs in at its interaction page, and follows the provider's redirect
/// back to MadBase's /callback, which sends it on to the app (not fetched). Hooks let a test tamper with the
/// request to the provider or with the callback, as an attacker between them could.
/// </summary>
internal sealed class OAuthBrowser(string issuer) : IDisposable
{
    private readonly HttpClient client = new(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

    /// <summary>Where MadBase finally sends the browser: the app's URL with a code, tokens or an error.</summary>
    public async Task<Uri> SignInAsync(string start, ProviderAccount account, Func<Uri, Uri>? toProvider = null, Func<Uri, Uri>? toCallback = null)
    {
        var url = new Uri(start);
        for (var hop = 0; hop < 12; hop++)
        {
            using var response = await client.GetAsync(url);
            if ((int)response.StatusCode is < 300 or > 399)
            {
                throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            var next = new Uri(url, response.Headers.Location!);
            if (next.GetLeftPart(UriPartial.Authority) == issuer)
            {
                if (next.AbsolutePath == "/auth" && toProvider is not null)
                {
                    next = toProvider(next);
                }
                else if (next.AbsolutePath.StartsWith("/interaction/", StringComparison.Ordinal))
                {
                    next = new Uri($"{next}?sub={Uri.EscapeDataString(account.Sub)}&email={Uri.EscapeDataString(account.Email)}"
                        + $"&email_verified={(account.EmailVerified ? "true" : "false")}&name={Uri.EscapeDataString(account.Name)}");
                }
            }
            else if (next.AbsolutePath.EndsWith("/auth/v1/callback", StringComparison.Ordinal))
            {
                next = toCallback?.Invoke(next) ?? next;
            }
            else
            {
                return next;
            }

            url = next;
        }

        throw new InvalidOperationException("too many redirects from " + start);
    }

    /// <summary>Replaces one query parameter of <paramref name="url"/>.</summary>
    public static Uri WithParameter(Uri url, string name, string value)
    {
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        query[name] = value;
        return new UriBuilder(url) { Query = query.ToString() }.Uri;
    }

    /// <summary>The query or fragment parameters of the app URL MadBase redirected to.</summary>
    public static System.Collections.Specialized.NameValueCollection Parameters(string part) =>
        System.Web.HttpUtility.ParseQueryString(part.TrimStart('?', '#'));

    public void Dispose() => client.Dispose();
}
