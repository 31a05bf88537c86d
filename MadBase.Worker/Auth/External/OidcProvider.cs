using System.Text.Json;
using System.Text.RegularExpressions;
using MadBase.ServiceDefaults.Projects;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace MadBase.Worker.Auth;

/// <summary>
/// The providers that sign in with OpenID Connect (GoTrue's google.go, azure.go, apple.go, and the generic
/// <c>oidc</c> one): endpoints and keys from the issuer's discovery document, the user from the ID token,
/// verified against the issuer's JWKS for issuer, audience, lifetime and the flow's nonce.
/// </summary>
internal sealed partial class OidcProvider(
    string name, ExternalProviderSettings settings, string issuer, IConfigurationManager<OpenIdConnectConfiguration> discovery, HttpClient http)
    : ExternalProvider(name, settings)
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    public override bool UsesNonce => true;

    public override string DefaultScopes => "openid email profile";

    public override string Issuer => issuer;

    /// <summary>Apple posts the callback as a form when the user's name is asked for, as GoTrue asks.</summary>
    public override IEnumerable<KeyValuePair<string, string>> ExtraAuthorizeParameters =>
        Name == "apple" ? [new("response_mode", "form_post")] : [];

    /// <summary>The issuer of each provider without a configured URL (token_oidc.go's and the providers' defaults).</summary>
    public static string DefaultIssuer(string name, string? url) => name switch
    {
        "azure" => AzureIssuer(url ?? "https://login.microsoftonline.com/common"),
        _ when url is not null => url.TrimEnd('/'),
        "google" => "https://accounts.google.com",
        "apple" => "https://appleid.apple.com",
        _ => throw new InvalidOperationException("the oidc provider has no issuer"),
    };

    public override async Task<string> AuthorizationEndpointAsync(CancellationToken cancellationToken) =>
        (await discovery.GetConfigurationAsync(cancellationToken)).AuthorizationEndpoint;

    public override async Task<string> TokenEndpointAsync(CancellationToken cancellationToken) =>
        (await discovery.GetConfigurationAsync(cancellationToken)).TokenEndpoint;

    public override async Task<ProviderUser> UserAsync(ProviderTokens tokens, string? nonce, CancellationToken cancellationToken)
    {
        if (tokens.IdToken is null)
        {
            throw new ExternalProviderException("the provider returned no id_token");
        }

        var token = await VerifyAsync(tokens.IdToken, validateAudience: true, cancellationToken);
        if (nonce is not null && (!token.TryGetPayloadValue<string>("nonce", out var carried) || carried != nonce))
        {
            throw new ExternalProviderException("the id_token's nonce does not match the flow's");
        }

        var user = FromIdToken(token);
        if (user.Email is null && (await discovery.GetConfigurationAsync(cancellationToken)).UserInfoEndpoint is { Length: > 0 } userInfo)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, userInfo);
            request.Headers.Authorization = new("Bearer", tokens.AccessToken);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var root = body.RootElement;
                var email = root.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                user = user with { Email = email, EmailVerified = email is not null && IsTrue(root, "email_verified") };
            }
        }

        return user;
    }

    /// <summary>
    /// An ID token signed by one of the issuer's current keys, for one of the project's client ids, unexpired
    /// (GoTrue's go-oidc verifier). The keys are fetched again once when the signing key is unknown (a rotation).
    /// The id_token grant checks the audience itself, to answer GoTrue's own message for it.
    /// </summary>
    public async Task<JsonWebToken> VerifyAsync(string idToken, bool validateAudience, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var configuration = await discovery.GetConfigurationAsync(cancellationToken);
            var parameters = new TokenValidationParameters
            {
                ValidIssuer = configuration.Issuer,
                ValidAudiences = ClientIds,
                ValidateAudience = validateAudience,
                IssuerSigningKeys = configuration.SigningKeys,
                ClockSkew = TimeSpan.FromSeconds(30),
                RequireExpirationTime = true,
                ValidateIssuerSigningKey = true,
            };
            if (Name == "azure" && configuration.Issuer.Contains("{tenantid}", StringComparison.Ordinal))
            {
                // The multi-tenant endpoint's issuer names the tenant of each token (azure.go's IsAzureIssuer).
                parameters.IssuerValidator = (iss, _, _) => AzureTenantIssuer().IsMatch(iss) ? iss
                    : throw new SecurityTokenInvalidIssuerException("not an Azure issuer");
            }

            var result = await Handler.ValidateTokenAsync(idToken, parameters);
            if (result.IsValid)
            {
                return (JsonWebToken)result.SecurityToken;
            }

            if (result.Exception is SecurityTokenSignatureKeyNotFoundException && attempt == 0)
            {
                discovery.RequestRefresh();
                continue;
            }

            throw new ExternalProviderException(result.Exception switch
            {
                SecurityTokenExpiredException => "the id_token has expired",
                SecurityTokenInvalidAudienceException => "the id_token's audience is not this project's client id",
                SecurityTokenInvalidIssuerException => "the id_token's issuer is not the provider's",
                SecurityTokenMalformedException or ArgumentException => "the id_token is malformed",
                _ => "the id_token's signature does not verify against the provider's keys",
            });
        }
    }

    /// <summary>GoTrue's claims of an ID token (provider/oidc.go's parseGenericIDToken).</summary>
    public ProviderUser FromIdToken(JsonWebToken token)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        var root = payload.RootElement;
        string? Text(string claim) => root.TryGetProperty(claim, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var email = Text("email");
        var claims = new Dictionary<string, object?>
        {
            ["name"] = Text("name"),
            ["full_name"] = Text("name"),
            ["preferred_username"] = Text("preferred_username"),
            ["picture"] = Text("picture"),
            ["avatar_url"] = Text("picture"),
            ["given_name"] = Text("given_name"),
            ["family_name"] = Text("family_name"),
        };
        return new ProviderUser(token.Subject, email, email is not null && IsTrue(root, "email_verified"), claims);
    }

    /// <summary>Apple sends email_verified as the string "true".</summary>
    private static bool IsTrue(JsonElement root, string claim) =>
        root.TryGetProperty(claim, out var value) && (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && value.GetString() == "true"));

    private static string AzureIssuer(string url)
    {
        var trimmed = url.TrimEnd('/');
        return trimmed.EndsWith("/v2.0", StringComparison.Ordinal) ? trimmed : trimmed + "/v2.0";
    }

    [GeneratedRegex("^https://login[.]microsoftonline[.]com/[^/]+/v2[.]0/?$")]
    private static partial Regex AzureTenantIssuer();
}

/// <summary>A provider refused, or answered what GoTrue would not accept; the callback reports it to the browser.</summary>
internal sealed class ExternalProviderException(string message) : Exception(message);
