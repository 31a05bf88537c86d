using System.Net.Http.Json;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// A real OpenID Connect provider (tools/oidc-provider: npm oidc-provider) on a free loopback port, for the
/// OAuth sign-in tests. Needs <c>(cd tools/oidc-provider &amp;&amp; npm ci)</c> once.
/// </summary>
public sealed class OidcProviderFixture : IAsyncLifetime
{
    private NodeTool? server;

    public string Issuer { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        server = await NodeTool.StartAsync("oidc-provider", "oidc-provider", "npm ci", line => line.StartsWith("{\"issuer\"", StringComparison.Ordinal));
        Issuer = JsonDocument.Parse(server.ReadyLine).RootElement.GetProperty("issuer").GetString()!;
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>A confidential client whose only redirect URI is <paramref name="redirectUri"/> (dynamic registration).</summary>
    internal async Task<(string ClientId, string Secret)> RegisterClientAsync(string redirectUri)
    {
        using var response = await TestHttp.Client.PostAsJsonAsync(Issuer + "/reg", new Dictionary<string, object>
        {
            ["redirect_uris"] = new[] { redirectUri },
            ["token_endpoint_auth_method"] = "client_secret_post",
        });
        var client = await TestHttp.JsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, client.ToString());
        return (client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
    }

    /// <summary>An ID token with these claims (iss defaults to the provider's), signed with the provider's published key or with one it never published.</summary>
    internal async Task<string> SignAsync(Dictionary<string, object> claims, bool foreignKey = false)
    {
        using var response = await TestHttp.Client.PostAsJsonAsync(Issuer + "/test/sign", new { claims, key = foreignKey ? "foreign" : "own" });
        response.EnsureSuccessStatusCode();
        return (await TestHttp.JsonAsync(response)).GetProperty("id_token").GetString()!;
    }
}
