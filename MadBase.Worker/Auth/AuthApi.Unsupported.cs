using System.Text;
using System.Text.Json;

namespace MadBase.Worker.Auth;

// GoTrue's routes for features MadBase does not have yet (the OAuth server, SCIM): each answers what GoTrue answers
// with the feature disabled or unconfigured (api.go's require*Enabled middleware), never an empty 404. SAML SSO
// (AuthApi.Sso.cs) answers the same way for a project that has not switched it on.
internal static partial class AuthApi
{
    private static void MapUnsupportedRoutes(RouteGroupBuilder auth)
    {
        MapSsoRoutes(auth);

        auth.MapGet("/user/oauth/grants", SignedInOAuthServerDisabled);
        auth.MapDelete("/user/oauth/grants", SignedInOAuthServerDisabled);

        auth.MapGet("/.well-known/oauth-authorization-server", OAuthServerDisabled);
        auth.MapPost("/oauth/clients/register", OAuthServerDisabled);
        auth.MapPost("/oauth/token", OAuthServerDisabled);
        auth.MapGet("/oauth/userinfo", OAuthServerDisabled);
        auth.MapGet("/oauth/authorize", OAuthServerDisabled);
        auth.MapGet("/oauth/authorizations/{authorizationId}", OAuthServerDisabled);
        auth.MapPost("/oauth/authorizations/{authorizationId}/consent", OAuthServerDisabled);
        auth.MapMethods("/scim/v2/{**rest}", ["GET", "POST", "PUT", "PATCH", "DELETE"], ScimDisabled);

        var admin = auth.MapGroup("/admin");
        admin.MapMethods("/oauth/clients/{**rest}", ["GET", "POST", "PUT", "DELETE"], AdminOAuthServerDisabled);
        admin.MapMethods("/custom-providers/{**rest}", ["GET", "POST", "PUT", "DELETE"], CustomProvidersDisabled);
    }

    private static IResult SamlDisabled() => new AuthError(404, "saml_provider_disabled", "SAML 2.0 is disabled").ToResult();

    private static IResult OAuthServerDisabled() => new AuthError(404, "feature_disabled", "OAuth server is disabled").ToResult();

    private static IResult ScimDisabled() => new AuthError(404, "feature_disabled", "SCIM server is disabled").ToResult();

    /// <summary>These need a signed-in user first (GoTrue's requireAuthentication runs before the feature check).</summary>
    private static async Task<IResult> SignedInOAuthServerDisabled([AsParameters] AuthServices s)
    {
        await RequireSignedInAsync(s);
        return OAuthServerDisabled();
    }

    private static IResult AdminSamlDisabled([AsParameters] AuthServices s)
    {
        RequireAdmin(s);
        return SamlDisabled();
    }

    private static IResult AdminOAuthServerDisabled([AsParameters] AuthServices s)
    {
        RequireAdmin(s);
        return OAuthServerDisabled();
    }

    private static IResult CustomProvidersDisabled([AsParameters] AuthServices s)
    {
        RequireAdmin(s);
        return new AuthError(404, "feature_disabled", "Custom OAuth providers are disabled").ToResult();
    }

    /// <summary>With SAML off no SSO provider can be created, so the list is empty and every id unknown.</summary>
    private static IResult ListSsoProviders([AsParameters] AuthServices s)
    {
        RequireAdmin(s);
        return Json("""{"items":[]}""");
    }

    private static IResult SsoProviderNotFound([AsParameters] AuthServices s)
    {
        RequireAdmin(s);
        return new AuthError(404, "sso_provider_not_found", "SSO Identity Provider not found").ToResult();
    }

    /// <summary>GoTrue's OAuthError body, which auth-js reads through error_description.</summary>
    private static IResult OAuthError(string description) =>
        Results.Json(new Dictionary<string, string> { ["error"] = "invalid request", ["error_description"] = description }, statusCode: 400);

    private static async Task RequireSignedInAsync(AuthServices s)
    {
        await using var tx = await s.BeginAsync();
        await BearerSession.LoadAsync(tx, s.Tenant, s.Aborted);
    }

    /// <summary>Go's %q for the strings GoTrue quotes in its messages.</summary>
    private static string GoQuoted(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Go's url.QueryEscape: spaces as '+'.</summary>
    private static string FormEscape(string text) =>
        Uri.EscapeDataString(text).Replace("%20", "+", StringComparison.Ordinal);
}
