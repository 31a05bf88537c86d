using System.Text.Json;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>
/// Who a provider says signed in (GoTrue's provider.UserProvidedData): its subject, its email and whether the
/// provider verified it, and the claims stored as the identity's <c>identity_data</c> and merged into
/// <c>user_metadata</c>.
/// </summary>
internal sealed record ProviderUser(string Subject, string? Email, bool EmailVerified, IReadOnlyDictionary<string, object?> Claims)
{
    /// <summary>GoTrue's Claims with the identity's own keys, as it writes identity_data.</summary>
    public string IdentityDataJson(string issuer)
    {
        var data = new Dictionary<string, object?>(Claims.Where(c => c.Value is not null))
        {
            ["iss"] = issuer,
            ["sub"] = Subject,
            ["provider_id"] = Subject,
            ["email_verified"] = EmailVerified,
            ["phone_verified"] = false,
        };
        if (Email is not null)
        {
            data["email"] = Email;
        }

        return JsonSerializer.Serialize(data);
    }
}

/// <summary>A provider's answer to the code exchange.</summary>
internal sealed record ProviderTokens(string AccessToken, string? RefreshToken, string? IdToken);

/// <summary>
/// One OAuth/OIDC provider a project enabled (GoTrue's provider.OAuthProvider): where the browser is sent,
/// how a code becomes tokens, and how tokens become a <see cref="ProviderUser"/>.
/// </summary>
internal abstract class ExternalProvider(string name, ExternalProviderSettings settings)
{
    public string Name { get; } = name;

    public ExternalProviderSettings Settings { get; } = settings;

    /// <summary>The client ids an ID token's audience may hold (GoTrue accepts a comma-separated list).</summary>
    public IReadOnlyList<string> ClientIds => (Settings.ClientId ?? string.Empty)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether the provider returns an ID token that carries the flow's nonce.</summary>
    public abstract bool UsesNonce { get; }

    public abstract string DefaultScopes { get; }

    /// <summary>The issuer written into identity_data.</summary>
    public abstract string Issuer { get; }

    public abstract Task<string> AuthorizationEndpointAsync(CancellationToken cancellationToken);

    public abstract Task<string> TokenEndpointAsync(CancellationToken cancellationToken);

    /// <summary>The user behind the tokens; <paramref name="nonce"/> is what the ID token must carry, if the provider sends one.</summary>
    public abstract Task<ProviderUser> UserAsync(ProviderTokens tokens, string? nonce, CancellationToken cancellationToken);

    /// <summary>Extra query parameters of the authorization URL (Apple's form_post, Google's offline access…).</summary>
    public virtual IEnumerable<KeyValuePair<string, string>> ExtraAuthorizeParameters => [];
}
