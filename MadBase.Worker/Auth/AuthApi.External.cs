using System.Security.Cryptography;
using System.Text;
using MadBase.Worker.Tenancy;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace MadBase.Worker.Auth;

// GET /authorize and GET|POST /callback (GoTrue's external.go): sign-in with an OAuth/OIDC provider, PKCE or implicit.
internal static partial class AuthApi
{
    // external.go's Provider(): the providers GoTrue knows; any of them not enabled is "provider is not enabled".
    private static readonly string[] OAuthProviders =
    [
        "apple", "azure", "bitbucket", "discord", "facebook", "figma", "fly", "github", "gitlab", "google", "kakao", "keycloak",
        "linkedin", "linkedin_oidc", "notion", "oidc", "snapchat", "spotify", "slack", "slack_oidc", "twitch", "twitter", "x",
        "vercel_marketplace", "workos", "zoom",
    ];

    // What the client cannot pass through to the provider (external.go's reservedOAuthParams, plus our own).
    private static readonly string[] ReservedAuthorizeParameters =
    [
        "provider", "scopes", "redirect_to", "code_challenge", "code_challenge_method", "skip_http_redirect", "client_id",
        "redirect_uri", "response_type", "scope", "state", "nonce", "apikey",
    ];

    private static void MapExternalRoutes(RouteGroupBuilder auth)
    {
        auth.MapGet("/authorize", Authorize);
        auth.MapGet("/callback", Callback);
        auth.MapPost("/callback", Callback);
    }

    private static async Task<IResult> Authorize([AsParameters] AuthServices s)
    {
        var name = s.Context.Request.Query["provider"].ToString().ToLowerInvariant();
        var provider = s.Providers.Find(s.Project, name) ?? throw new AuthException(UnsupportedProvider(name));
        var url = await ProviderRedirectAsync(s, provider, linkingTargetId: null);
        return Results.Redirect(url);
    }

    private static AuthError UnsupportedProvider(string name) => AuthErrors.BadRequestValidation("Unsupported provider: " + (
        name.StartsWith("custom:", StringComparison.Ordinal) ? "custom OAuth providers are disabled"
        : OAuthProviders.Contains(name) ? "provider is not enabled"
        : $"Provider {name} could not be found"));

    /// <summary>
    /// Starts a flow (GetExternalProviderRedirectURL): its flow state's id is the <c>state</c>, and an OIDC
    /// provider is also given a nonce derived from it, so the ID token that comes back is bound to this flow.
    /// </summary>
    private static async Task<string> ProviderRedirectAsync(AuthServices s, ExternalProvider provider, Guid? linkingTargetId)
    {
        var query = s.Context.Request.Query;
        var pkce = PkceFlow.Parse(query["code_challenge"], query["code_challenge_method"]);
        var referrer = RedirectUrls.Resolve(s.Project.Settings.Auth, query["redirect_to"].ToString());
        var scopes = string.Join(' ', $"{provider.DefaultScopes} {query["scopes"]}".Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct());
        string authorizationEndpoint;
        try
        {
            authorizationEndpoint = await provider.AuthorizationEndpointAsync(s.Aborted);
        }
        catch (Exception e) when (!s.Aborted.IsCancellationRequested && e is not AuthException)
        {
            throw new AuthException(ProviderUnreachable(provider));
        }

        Guid state;
        await using (var tx = await s.BeginAsync())
        {
            state = await OAuthFlowState.CreateAsync(tx, provider.Name, pkce, referrer, linkingTargetId, s.Clock.GetUtcNow(), s.Aborted);
            await tx.CommitAsync(s.Aborted);
        }

        var parameters = new List<KeyValuePair<string, StringValues>>
        {
            new("client_id", provider.ClientIds.FirstOrDefault()),
            new("redirect_uri", CallbackUri(s, provider)),
            new("response_type", "code"),
            new("scope", scopes),
            new("state", state.ToString()),
        };
        if (provider.UsesNonce)
        {
            parameters.Add(new("nonce", FlowNonce(s, state)));
        }

        parameters.AddRange(provider.ExtraAuthorizeParameters.Select(p => new KeyValuePair<string, StringValues>(p.Key, p.Value)));
        parameters.AddRange(query.Where(p => !ReservedAuthorizeParameters.Contains(p.Key.ToLowerInvariant())));
        return QueryHelpers.AddQueryString(authorizationEndpoint, parameters);
    }

    /// <summary>
    /// The provider's way back (internalExternalProviderCallback): the flow named by <c>state</c>, the code traded
    /// for the provider's tokens, the user found, linked or created, then a PKCE code or the session's tokens in
    /// the fragment. Every refusal sends the browser back with GoTrue's error parameters, never a page of ours.
    /// </summary>
    private static async Task<IResult> Callback([AsParameters] AuthServices s)
    {
        var input = await CallbackParametersAsync(s.Context.Request, s.Aborted);
        var site = s.Project.Settings.Auth.SiteUrl;
        var stateText = input.GetValueOrDefault("state").ToString();
        if (stateText.Length == 0)
        {
            return CallbackError(s, site, "invalid_request", "bad_oauth_callback", "OAuth state parameter missing");
        }

        if (!Guid.TryParse(stateText, out var stateId))
        {
            return CallbackError(s, site, "invalid_request", "bad_oauth_state", "OAuth state parameter is invalid");
        }

        // The flow is read, then the provider asked, then the flow claimed: no connection is held while the provider answers.
        var now = s.Clock.GetUtcNow();
        OAuthFlowState? flow;
        await using (var read = await s.BeginAsync())
        {
            flow = await OAuthFlowState.FindAsync(read, stateId, forUpdate: false, s.Aborted);
        }

        if (flow is null || flow.IsExpired(now))
        {
            return CallbackError(s, site, "invalid_request", "bad_oauth_state", "OAuth state not found or expired");
        }

        var back = flow.Referrer ?? site;
        if (flow.UserId is not null)
        {
            return CallbackError(s, back, "invalid_request", "flow_state_already_used", "State has already been used");
        }

        if (input.GetValueOrDefault("error").ToString() is { Length: > 0 } providerError)
        {
            await using var spent = await s.BeginAsync();
            await OAuthFlowState.DeleteAsync(spent, flow.Id, s.Aborted);
            await spent.CommitAsync(s.Aborted);
            return CallbackError(s, back, providerError, null, input.GetValueOrDefault("error_description").ToString());
        }

        if (input.GetValueOrDefault("code").ToString() is not { Length: > 0 } code)
        {
            return CallbackError(s, back, "invalid_request", "bad_oauth_callback", "OAuth callback with missing authorization code");
        }

        if (s.Providers.Find(s.Project, flow.Provider) is not { } provider)
        {
            return CallbackError(s, back, "invalid_request", "validation_failed", "Unsupported provider: provider is not enabled");
        }

        ProviderTokens tokens;
        ProviderUser from;
        try
        {
            tokens = await s.Providers.ExchangeAsync(provider, code, CallbackUri(s, provider), s.Aborted);
            from = await provider.UserAsync(tokens, provider.UsesNonce ? FlowNonce(s, flow.Id) : null, s.Aborted);
        }
        catch (ExternalProviderException e)
        {
            return CallbackError(s, back, "server_error", "bad_oauth_callback", e.Message);
        }
        catch (Exception e) when (!s.Aborted.IsCancellationRequested && e is not AuthException)
        {
            // Unreachable, slow (timeouts) or answering nonsense: the provider's fault, told to the app, never a 500 page.
            return CallbackError(s, back, "server_error", "unexpected_failure", $"Error reaching the {provider.Name} provider");
        }

        await using var tx = await s.BeginAsync();
        // Claimed under its row lock: of two callbacks racing with one state, the second finds it used or gone.
        if (await OAuthFlowState.FindAsync(tx, flow.Id, forUpdate: true, s.Aborted) is not { UserId: null } claimed)
        {
            return CallbackError(s, back, "invalid_request", "flow_state_already_used", "State has already been used");
        }

        User user;
        try
        {
            user = claimed.LinkingTargetId is { } target
                ? await IdentityLinking.LinkAsync(s, tx, target, provider, from, now)
                : await IdentityLinking.SignInOrCreateAsync(s, tx, provider, from, now);
        }
        catch (AuthException e)
        {
            var error = e.Error.ErrorCode is "signup_disabled" or "user_banned" or "provider_email_needs_verification" ? "access_denied" : "invalid_request";
            return CallbackError(s, back, error, e.Error.ErrorCode, e.Error.Message);
        }

        var providerTokens = "&provider_token=" + Uri.EscapeDataString(tokens.AccessToken)
            + (tokens.RefreshToken is { } refresh ? "&provider_refresh_token=" + Uri.EscapeDataString(refresh) : string.Empty);
        return await FinishProviderSignInAsync(s, tx, claimed, user, back, provider.Name, OAuthFlowState.AuthenticationMethod, now, providerTokens);
    }

    /// <summary>
    /// The end of a sign-in at a provider, OAuth or SAML: a PKCE flow hands out its code in the query; otherwise
    /// the flow (if any) is spent and the session's tokens go in the fragment. Commits <paramref name="tx"/>.
    /// <paramref name="sessionNotAfter"/> ends that session (GoTrue's SessionNotAfter grant parameter, which, as
    /// there, the session a PKCE code is later exchanged for does not get).
    /// </summary>
    private static async Task<IResult> FinishProviderSignInAsync(
        AuthServices s, RlsTransaction tx, OAuthFlowState? flow, User user, string back, string provider, string method, DateTimeOffset now,
        string fragmentSuffix = "", DateTimeOffset? sessionNotAfter = null)
    {
        if (flow is not null && await flow.CompleteAsync(tx, user.Id, now, s.Aborted) is { } pkceCode)
        {
            await tx.CommitAsync(s.Aborted);
            return Results.Redirect(QueryHelpers.AddQueryString(back, "code", pkceCode));
        }

        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = provider }, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, s.Project, user, method, s.Context, s.Aborted, sessionNotAfter);
        await tx.CommitAsync(s.Aborted);
        return Results.Redirect(back + "#" + session.AsFragment(type: null) + fragmentSuffix);
    }

    private static AuthError ProviderUnreachable(ExternalProvider provider) =>
        new(502, "unexpected_failure", $"Could not reach the {provider.Name} provider's configuration");

    /// <summary>The redirect URI registered at the provider: configured, or this project's own /callback.</summary>
    private static string CallbackUri(AuthServices s, ExternalProvider provider) =>
        provider.Settings.RedirectUri ?? s.Project.Settings.Auth.ApiExternalUrl.TrimEnd('/') + "/callback";

    /// <summary>The nonce of a flow: an HMAC of its state under the project's secret, so it needs no storage and cannot be guessed.</summary>
    private static string FlowNonce(AuthServices s, Guid state) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(s.Project.JwtSecret), Encoding.UTF8.GetBytes("oauth-nonce:" + state)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Go's FormValue: the posted form (Apple's form_post), else the query; a body that is no form has none.</summary>
    private static async Task<IReadOnlyDictionary<string, StringValues>> CallbackParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return request.Query.ToDictionary(p => p.Key, p => p.Value);
        }

        try
        {
            return (await request.ReadFormAsync(cancellationToken)).ToDictionary(p => p.Key, p => p.Value);
        }
        catch (InvalidDataException)
        {
            return new Dictionary<string, StringValues>();
        }
    }

    /// <summary>GoTrue's redirectErrors: back to where the flow came from (or the site) with the error in the query.</summary>
    private static IResult CallbackError(AuthServices s, string target, string error, string? code, string description)
    {
        var separator = target.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var query = "error=" + FormEscape(error) + (code is null ? string.Empty : "&error_code=" + code) + "&error_description=" + FormEscape(description);
        return SeeOther(s.Context, target + separator + query);
    }
}
