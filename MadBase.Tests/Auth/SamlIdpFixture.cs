using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>
/// A real SAML 2.0 identity provider (tools/saml-idp: xml-crypto signatures) on a free loopback port, and the one
/// project with SAML on that the SAML tests share, with this IdP registered as its SSO provider. Needs
/// <c>(cd tools/saml-idp &amp;&amp; npm ci)</c> once.
/// </summary>
public sealed class SamlIdpFixture : IAsyncLifetime
{
    private NodeTool? server;
    private Task<(TestProject, string)>? project;

    public string EntityId { get; private set; } = string.Empty;

    public string MetadataUrl { get; private set; } = string.Empty;

    /// <summary>The shared project's SSO domain.</summary>
    public string Domain { get; } = $"saml-{Guid.NewGuid():N}.example";

    public async Task InitializeAsync()
    {
        server = await NodeTool.StartAsync("saml-idp", "xml-encryption", "npm ci", line => line.StartsWith("{\"entity_id\"", StringComparison.Ordinal));
        var ready = JsonDocument.Parse(server.ReadyLine).RootElement;
        EntityId = ready.GetProperty("entity_id").GetString()!;
        MetadataUrl = ready.GetProperty("metadata_url").GetString()!;
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    public async Task<string> MetadataAsync() => await TestHttp.Client.GetStringAsync(MetadataUrl);

    /// <summary>The project (created once for the class) and the id of this IdP's SSO provider in it.</summary>
    internal Task<(TestProject Project, string ProviderId)> ProjectAsync(StackFixture stack) => project ??= CreateProjectAsync(stack);

    /// <summary>
    /// The browser at the IdP: follows the SSO URL <c>POST /sso</c> gave, signs in as <paramref name="email"/> and
    /// gets the form the IdP would post to the ACS; <paramref name="mode"/> picks a forged variant (see start.mjs),
    /// <paramref name="controls"/> adds other test controls (<c>&amp;encrypt_to=…</c>, <c>&amp;session_ends=…</c>).
    /// </summary>
    internal async Task<IdpForm> SignInAsync(string ssoUrl, string email, string mode = "assertion", string controls = "")
    {
        var url = ssoUrl + $"&email={Uri.EscapeDataString(email)}&mode={mode}&name=Ada+Lovelace" + controls;
        using var response = await TestHttp.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonSerializer.Deserialize<IdpForm>(body)!;
    }

    /// <summary>An IdP-initiated Response (no AuthnRequest) for that ACS and audience.</summary>
    internal async Task<IdpForm> UnsolicitedAsync(string acs, string audience, string email)
    {
        var url = $"{EntityId.Replace("/metadata", "/sso", StringComparison.Ordinal)}?acs={Uri.EscapeDataString(acs)}"
            + $"&audience={Uri.EscapeDataString(audience)}&email={Uri.EscapeDataString(email)}";
        return (await TestHttp.Client.GetFromJsonAsync<IdpForm>(url))!;
    }

    private async Task<(TestProject, string)> CreateProjectAsync(StackFixture stack)
    {
        var auth = await TestProject.CreateAsync(stack, "auth saml", new { auth = new { saml = new { enabled = true, allow_encrypted_assertions = true, rate_limit_sso = 1000, rate_limit_assertion = 1000 } } });
        var created = await auth.AuthPostAsync("/admin/sso/providers", new
        {
            type = "saml",
            metadata_xml = await MetadataAsync(),
            domains = new[] { Domain },
            attribute_mapping = new { keys = new { name = new { name = "displayName" }, groups = new { name = "groups", array = true } } },
        }, bearer: auth.ServiceRoleKey);
        created.AssertStatus(201);
        return (auth, created.Element.GetProperty("id").GetString()!);
    }
}

/// <summary>What the IdP hands the browser to post to the ACS (HTTP-POST binding), and the AuthnRequest it read.</summary>
internal sealed record IdpForm(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("SAMLResponse")] string SamlResponse,
    [property: JsonPropertyName("RelayState")] string RelayState,
    [property: JsonPropertyName("request")] string? Request,
    [property: JsonPropertyName("signed")] bool Signed);
