using System.Text;
using System.Text.Json;

namespace MadBase.Worker.Auth;

// GoTrue's routes for features MadBase does not have yet (OAuth and OIDC sign-in, SAML SSO, passkeys, identity
// linking, the OAuth server, SCIM, Web3): each answers what GoTrue answers with the feature disabled or
// unconfigured (api.go's require*Enabled middleware, external.go, token_oidc.go, web3.go), never an empty 404.
internal static partial class AuthApi
{
    // external.go's Provider(): the providers GoTrue knows; any of them unconfigured is "provider is not enabled".
    private static readonly string[] OAuthProviders =
    [
        "apple", "azure", "bitbucket", "discord", "facebook", "figma", "fly", "github", "gitlab", "google", "kakao", "keycloak",
        "linkedin", "linkedin_oidc", "notion", "snapchat", "spotify", "slack", "slack_oidc", "twitch", "twitter", "x",
        "vercel_marketplace", "workos", "zoom",
    ];

    // token_oidc.go: the fixed issuers of the id_token providers that have one.
    private static readonly Dictionary<string, string> IdTokenIssuers = new(StringComparer.Ordinal)
    {
        ["google"] = "https://accounts.google.com",
        ["facebook"] = "https://www.facebook.com",
        ["kakao"] = "https://kauth.kakao.com",
        ["vercel_marketplace"] = "https://marketplace.vercel.com",
        ["snapchat"] = "https://accounts.snapchat.com/accounts/oauth2/token",
        ["keycloak"] = string.Empty,
    };

    private static void MapUnsupportedRoutes(RouteGroupBuilder auth)
    {
        auth.MapGet("/authorize", Authorize);
        auth.MapGet("/callback", Callback);
        auth.MapPost("/callback", Callback);

        auth.MapPost("/sso", SamlDisabled);
        auth.MapGet("/sso/saml/metadata", SamlDisabled);
        auth.MapPost("/sso/saml/acs", SamlDisabled);

        auth.MapPost("/passkeys/authentication/options", PasskeysDisabled);
        auth.MapPost("/passkeys/authentication/verify", PasskeysDisabled);
        auth.MapPost("/passkeys/registration/options", PasskeysDisabled);
        auth.MapPost("/passkeys/registration/verify", PasskeysDisabled);
        auth.MapGet("/passkeys", PasskeysDisabled);
        auth.MapPatch("/passkeys/{passkeyId}", PasskeysDisabled);
        auth.MapDelete("/passkeys/{passkeyId}", PasskeysDisabled);

        auth.MapGet("/user/identities/authorize", ManualLinkingDisabled);
        auth.MapDelete("/user/identities/{identityId}", ManualLinkingDisabled);
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
        admin.MapGet("/sso/providers", ListSsoProviders);
        admin.MapPost("/sso/providers", AdminSamlDisabled);
        admin.MapMethods("/sso/providers/{providerId}", ["GET", "PUT", "DELETE"], SsoProviderNotFound);
        admin.MapMethods("/oauth/clients/{**rest}", ["GET", "POST", "PUT", "DELETE"], AdminOAuthServerDisabled);
        admin.MapMethods("/custom-providers/{**rest}", ["GET", "POST", "PUT", "DELETE"], CustomProvidersDisabled);
        admin.MapGet("/users/{id}/passkeys", AdminPasskeysDisabled);
        admin.MapDelete("/users/{id}/passkeys/{passkeyId}", AdminPasskeysDisabled);
    }

    /// <summary>GET /authorize: no provider is configured, so GoTrue's Provider() lookup fails for every name.</summary>
    private static IResult Authorize([AsParameters] AuthServices s)
    {
        var name = s.Context.Request.Query["provider"].ToString().ToLowerInvariant();
        var reason = name.StartsWith("custom:", StringComparison.Ordinal) ? "custom OAuth providers are disabled"
            : OAuthProviders.Contains(name) ? "provider is not enabled"
            : $"Provider {name} could not be found";
        return AuthErrors.BadRequestValidation("Unsupported provider: " + reason).ToResult();
    }

    /// <summary>
    /// /callback: no OAuth flow was ever started, so no state matches; GoTrue's loadFlowState sends the browser back
    /// to the site URL with the error in the query.
    /// </summary>
    private static async Task<IResult> Callback([AsParameters] AuthServices s)
    {
        var state = await CallbackStateAsync(s.Context.Request, s.Aborted);
        var (code, description) = state.Length == 0 ? ("bad_oauth_callback", "OAuth state parameter missing")
            : !Guid.TryParse(state, out _) ? ("bad_oauth_state", "OAuth state parameter is invalid")
            : ("bad_oauth_state", "OAuth state not found or expired");
        var site = s.Project.Settings.Auth.SiteUrl;
        var separator = site.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return SeeOther(s.Context, site + separator + "error=invalid_request&error_code=" + code + "&error_description=" + FormEscape(description));
    }

    /// <summary>The state of a form post, else of the query; as Go's FormValue, a body that is no form has none.</summary>
    private static async Task<string> CallbackStateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return request.Query["state"].ToString();
        }

        try
        {
            return (await request.ReadFormAsync(cancellationToken))["state"].ToString();
        }
        catch (InvalidDataException)
        {
            return string.Empty;
        }
    }

    private static IResult SamlDisabled() => new AuthError(404, "saml_provider_disabled", "SAML 2.0 is disabled").ToResult();

    private static IResult PasskeysDisabled() => new AuthError(404, "passkey_disabled", "Passkeys are disabled").ToResult();

    private static IResult OAuthServerDisabled() => new AuthError(404, "feature_disabled", "OAuth server is disabled").ToResult();

    private static IResult ScimDisabled() => new AuthError(404, "feature_disabled", "SCIM server is disabled").ToResult();

    /// <summary>These need a signed-in user first (GoTrue's requireAuthentication runs before the feature check).</summary>
    private static async Task<IResult> ManualLinkingDisabled([AsParameters] AuthServices s)
    {
        await RequireSignedInAsync(s);
        return new AuthError(404, "manual_linking_disabled", "Manual linking is disabled").ToResult();
    }

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

    private static IResult AdminPasskeysDisabled([AsParameters] AuthServices s)
    {
        RequireAdmin(s);
        return PasskeysDisabled();
    }

    /// <summary>No SSO provider can be created, so the list is empty and every id unknown.</summary>
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

    /// <summary>POST /token?grant_type=id_token (token_oidc.go): its checks up to the provider, which is never enabled here.</summary>
    private static async Task<IResult> IdTokenGrantAsync(AuthServices s)
    {
        var input = await AuthBody.ReadAsync<IdTokenParams>(s.Context);
        if (string.IsNullOrEmpty(input.IdToken))
        {
            return OAuthError("id_token required");
        }

        if (string.IsNullOrEmpty(input.Provider) && (string.IsNullOrEmpty(input.ClientId) || string.IsNullOrEmpty(input.Issuer)))
        {
            return OAuthError("provider or client_id and issuer required");
        }

        var provider = input.Provider ?? string.Empty;
        var issuer = input.Issuer ?? string.Empty;
        if (provider == "apple" || issuer is "https://appleid.apple.com" or "https://account.apple.com")
        {
            return DisabledForDetectedIssuer(input, "Apple", iss => iss is "https://appleid.apple.com" or "https://account.apple.com");
        }

        if (provider == "azure" || System.Text.RegularExpressions.Regex.IsMatch(issuer, "^https://login[.]microsoftonline[.]com/([^/]+)/v2[.]0/?$"))
        {
            return DisabledForDetectedIssuer(
                input, "Azure", iss => iss.StartsWith("https://login.microsoftonline.com/", StringComparison.Ordinal) || iss.StartsWith("https://sts.windows.net/", StringComparison.Ordinal));
        }

        if (IdTokenIssuers.FirstOrDefault(p => p.Key == provider || (p.Value.Length > 0 && p.Value == issuer)) is { Key: not null } known)
        {
            return ProviderNotEnabled(known.Value);
        }

        return provider.StartsWith("custom:", StringComparison.Ordinal)
            ? AuthErrors.BadRequestValidation("Custom OAuth providers are disabled").ToResult()
            : AuthErrors.BadRequestValidation($"Custom OIDC provider {GoQuoted(provider)} not allowed").ToResult();
    }

    /// <summary>POST /token?grant_type=web3 (web3.go): neither Solana nor Ethereum sign-in is enabled.</summary>
    private static IResult Web3Grant() => new AuthError(422, "web3_provider_disabled", "Web3 provider is disabled").ToResult();

    /// <summary>Apple and Azure: GoTrue reads the issuer from the (unverified) ID token before looking at the configuration.</summary>
    private static IResult DisabledForDetectedIssuer(IdTokenParams input, string name, Func<string, bool> ofProvider)
    {
        var detected = UnverifiedIssuer(input.IdToken!);
        if (detected is null)
        {
            return AuthErrors.BadRequestValidation($"Unable to detect issuer in ID token for {name} provider").ToResult();
        }

        if (!ofProvider(detected))
        {
            return AuthErrors.BadRequestValidation($"Detected ID token issuer is not an {name} ID token issuer").ToResult();
        }

        return !string.IsNullOrEmpty(input.Issuer) && input.Issuer != detected
            ? AuthErrors.BadRequestValidation("Provided issuer does not match ID token issuer").ToResult()
            : ProviderNotEnabled(detected);
    }

    private static IResult ProviderNotEnabled(string issuer) =>
        new AuthError(400, "provider_disabled", $"Provider (issuer {GoQuoted(issuer)}) is not enabled").ToResult();

    private static string? UnverifiedIssuer(string idToken)
    {
        var parts = idToken.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var padded = parts[1].Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            using var payload = JsonDocument.Parse(Convert.FromBase64String(padded));
            if (payload.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            // As Go's json.Unmarshal into a struct: a missing iss is "", one of another type fails.
            return !payload.RootElement.TryGetProperty("iss", out var iss) ? string.Empty
                : iss.ValueKind == JsonValueKind.String ? iss.GetString() : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
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

internal sealed class IdTokenParams
{
    public string? IdToken { get; set; }

    public string? AccessToken { get; set; }

    public string? Nonce { get; set; }

    public string? Provider { get; set; }

    public string? ClientId { get; set; }

    public string? Issuer { get; set; }

    public bool? LinkIdentity { get; set; }
}
