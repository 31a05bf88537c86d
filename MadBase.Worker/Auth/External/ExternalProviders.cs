using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace MadBase.Worker.Auth;

/// <summary>
/// The enabled providers of a project (GoTrue's Provider() lookup), with each issuer's discovery document
/// and keys cached across projects and requests as go-oidc's remote key set caches them.
/// </summary>
internal sealed class ExternalProviders(IHttpClientFactory clients)
{
    public const string HttpClientName = "oauth-providers";

    private readonly ConcurrentDictionary<string, IConfigurationManager<OpenIdConnectConfiguration>> discoveries = new(StringComparer.Ordinal);

    /// <summary>The project's provider of that name if it is enabled, else null ("provider is not enabled").</summary>
    public ExternalProvider? Find(Project project, string name)
    {
        if (!ExternalProviderSettings.Supported.Contains(name)
            || !project.Settings.Auth.External.TryGetValue(name, out var settings) || !settings.Enabled)
        {
            return null;
        }

        var http = clients.CreateClient(HttpClientName);
        if (name is "github" or "gitlab" or "discord")
        {
            return new ApiProvider(name, settings, http);
        }

        var issuer = OidcProvider.DefaultIssuer(name, settings.Url);
        return new OidcProvider(name, settings, issuer, Discovery(issuer), http);
    }

    /// <summary>The enabled OIDC provider whose issuer is that one (token_oidc.go's lookup by issuer).</summary>
    public OidcProvider? FindByIssuer(Project project, string issuer) =>
        project.Settings.Auth.External.Where(p => p.Value.Enabled)
            .Select(p => Find(project, p.Key)).OfType<OidcProvider>()
            .FirstOrDefault(p => p.Issuer == issuer.TrimEnd('/'));

    /// <summary>Trades the authorization code for the provider's tokens (client_secret_post, as golang.org/x/oauth2 falls back to).</summary>
    public async Task<ProviderTokens> ExchangeAsync(ExternalProvider provider, string code, string redirectUri, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["client_id"] = provider.ClientIds.FirstOrDefault() ?? string.Empty,
            ["client_secret"] = provider.Settings.Secret ?? string.Empty,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, await provider.TokenEndpointAsync(cancellationToken))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Accept.Add(new("application/json"));
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonDocument body;
        try
        {
            body = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new ExternalProviderException($"the provider's token endpoint answered {(int)response.StatusCode} without JSON");
        }

        using (body)
        {
            var root = body.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (!response.IsSuccessStatusCode || Text("access_token") is not { Length: > 0 } accessToken)
            {
                throw new ExternalProviderException("the provider refused the code: " + (Text("error_description") ?? Text("error") ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            return new ProviderTokens(accessToken, Text("refresh_token"), Text("id_token"));
        }
    }

    private IConfigurationManager<OpenIdConnectConfiguration> Discovery(string issuer) =>
        discoveries.GetOrAdd(issuer, key =>
        {
            var uri = new Uri(key);
            // https everywhere but loopback, where the tests' provider runs.
            var retriever = new HttpDocumentRetriever(clients.CreateClient(HttpClientName)) { RequireHttps = !IPAddress.TryParse(uri.Host, out var ip) || !IPAddress.IsLoopback(ip) };
            return new ConfigurationManager<OpenIdConnectConfiguration>(
                key + "/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), retriever)
            {
                AutomaticRefreshInterval = TimeSpan.FromHours(1),
                RefreshInterval = TimeSpan.FromSeconds(30),
            };
        });
}
