using Microsoft.AspNetCore.Http;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// Requests that arrive without an apikey by design, as in Supabase's Kong config: links opened from
/// emails and OAuth providers, and public or signed object URLs. GoTrue and storage-api authorise these
/// themselves (a one-time token, a signed URL's JWT, a public bucket). Matched case-sensitively, so an
/// odd spelling needs a key rather than slipping past.
/// The Gateway lets these through without a key; a Worker lets them run as anon without a bearer token.
/// Also any <c>OPTIONS</c> to an Edge Function: a browser's CORS preflight carries no apikey or token, and on
/// Supabase it reaches the function, whose own code answers it (the docs' <c>corsHeaders</c> pattern).
/// </summary>
public static class KeyOptionalRoutes
{
    // The SAML ACS is posted to by the user's browser from the IdP, and the SP metadata is read by IdPs (Kong's
    // auth-v1-open-sso-acs and auth-v1-open-sso-metadata).
    private static readonly PathString[] AnyMethod = ["/auth/v1/callback", "/auth/v1/authorize", "/auth/v1/sso/saml/acs", "/auth/v1/sso/saml/metadata"];

    public static readonly PathString Functions = "/functions/v1";

    private static readonly PathString[] ReadOnly =
    [
        "/auth/v1/verify",
        "/storage/v1/object/public",
        "/storage/v1/object/sign",
        "/storage/v1/render/image/public",
        "/storage/v1/render/image/sign",
    ];

    public static bool Matches(HttpRequest request)
    {
        if (AnyMethod.Any(prefix => request.Path.StartsWithSegments(prefix, StringComparison.Ordinal)))
        {
            return true;
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            return request.Path.StartsWithSegments(Functions, StringComparison.Ordinal);
        }

        return (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && ReadOnly.Any(prefix => request.Path.StartsWithSegments(prefix, StringComparison.Ordinal));
    }
}
