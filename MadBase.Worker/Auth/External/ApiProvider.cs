using System.Net.Http.Headers;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>
/// The OAuth 2 providers that name the user through their own REST API rather than an ID token (GoTrue's
/// github.go, gitlab.go, discord.go): endpoints under the provider's base URL (configurable for GitHub
/// Enterprise and self-hosted GitLab), the user and its verified primary email from the API.
/// </summary>
internal sealed class ApiProvider(string name, ExternalProviderSettings settings, HttpClient http) : ExternalProvider(name, settings)
{
    private string BaseUrl => (Settings.Url ?? Name switch
    {
        "github" => "https://github.com",
        "gitlab" => "https://gitlab.com",
        _ => "https://discord.com",
    }).TrimEnd('/');

    /// <summary>github.com's API has a host of its own; an Enterprise server serves it under /api/v3.</summary>
    private string ApiUrl => Name switch
    {
        "github" => Settings.Url is null ? "https://api.github.com" : BaseUrl + "/api/v3",
        "gitlab" => BaseUrl + "/api/v4",
        _ => BaseUrl + "/api",
    };

    public override bool UsesNonce => false;

    public override string DefaultScopes => Name switch
    {
        "github" => "user:email",
        "gitlab" => "read_user",
        _ => "email identify",
    };

    public override string Issuer => Name == "github" && Settings.Url is null ? "https://api.github.com" : ApiUrl;

    public override Task<string> AuthorizationEndpointAsync(CancellationToken cancellationToken) => Task.FromResult(Name switch
    {
        "github" => BaseUrl + "/login/oauth/authorize",
        "gitlab" => BaseUrl + "/oauth/authorize",
        _ => BaseUrl + "/api/oauth2/authorize",
    });

    public override Task<string> TokenEndpointAsync(CancellationToken cancellationToken) => Task.FromResult(Name switch
    {
        "github" => BaseUrl + "/login/oauth/access_token",
        "gitlab" => BaseUrl + "/oauth/token",
        _ => BaseUrl + "/api/oauth2/token",
    });

    public override async Task<ProviderUser> UserAsync(ProviderTokens tokens, string? nonce, CancellationToken cancellationToken)
    {
        using var user = await GetAsync(Name == "discord" ? "/users/@me" : "/user", tokens.AccessToken, cancellationToken);
        var root = user.RootElement;
        string? Text(string property) => root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var id = root.TryGetProperty("id", out var idValue) ? idValue.ToString() : throw new ExternalProviderException("the provider's user has no id");

        if (Name == "discord")
        {
            // discord.go: the email is verified when the account is; the avatar is a CDN path of the user's hash.
            var avatar = Text("avatar") is { } hash ? $"https://cdn.discordapp.com/avatars/{id}/{hash}.png" : null;
            var email = Text("email");
            return new ProviderUser(id, email, email is not null && root.TryGetProperty("verified", out var v) && v.ValueKind == JsonValueKind.True, new Dictionary<string, object?>
            {
                ["name"] = Text("username"),
                ["full_name"] = Text("global_name") ?? Text("username"),
                ["avatar_url"] = avatar,
                ["picture"] = avatar,
                ["custom_claims"] = new Dictionary<string, object?> { ["global_name"] = Text("global_name") },
            });
        }

        var (primary, verified) = await PrimaryEmailAsync(tokens.AccessToken, Text("email"), root, cancellationToken);
        return new ProviderUser(id, primary, verified, new Dictionary<string, object?>
        {
            ["name"] = Text("name"),
            ["full_name"] = Text("name"),
            ["user_name"] = Name == "github" ? Text("login") : Text("username"),
            ["preferred_username"] = Name == "github" ? Text("login") : Text("username"),
            ["avatar_url"] = Text("avatar_url"),
            ["picture"] = Text("avatar_url"),
        });
    }

    /// <summary>github.go/gitlab.go: the primary address from /user/emails; GitLab's profile email counts as verified when the account is confirmed.</summary>
    private async Task<(string? Email, bool Verified)> PrimaryEmailAsync(string accessToken, string? profileEmail, JsonElement profile, CancellationToken cancellationToken)
    {
        using var emails = await GetAsync("/user/emails", accessToken, cancellationToken);
        if (emails.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in emails.RootElement.EnumerateArray())
            {
                var address = entry.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                var verified = Name == "github"
                    ? entry.TryGetProperty("verified", out var v) && v.ValueKind == JsonValueKind.True
                    : entry.TryGetProperty("confirmed_at", out var c) && c.ValueKind == JsonValueKind.String;
                var primary = Name != "github" || (entry.TryGetProperty("primary", out var p) && p.ValueKind == JsonValueKind.True);
                if (address is not null && primary && verified)
                {
                    return (address, true);
                }
            }
        }

        var confirmed = Name == "gitlab" && profile.TryGetProperty("confirmed_at", out var at) && at.ValueKind == JsonValueKind.String;
        return (profileEmail, profileEmail is not null && confirmed);
    }

    private async Task<JsonDocument> GetAsync(string path, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ApiUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MadBase", "1.0"));
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ExternalProviderException($"the provider's API answered {(int)response.StatusCode} for {path}");
        }

        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
