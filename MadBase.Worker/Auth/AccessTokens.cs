using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Issues sessions as GoTrue's tokens service: an access token with exactly GoTrue's claims (HS256 with the
/// project's secret, or RS256/ES256 with its current key and that key's <c>kid</c>), and the
/// response <c>{access_token, token_type, expires_in, expires_at, refresh_token, user}</c>.
/// </summary>
internal sealed class AccessTokens(TimeProvider clock)
{
    /// <summary>Starts a session for a user who just proved who they are (GoTrue's issueRefreshToken).</summary>
    public async Task<IssuedSession> SignInAsync(
        RlsTransaction tx, Project project, User user, string method, HttpContext? context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await user.RecordSignInAsync(tx, now, cancellationToken);
        var session = await Session.CreateAsync(tx, user.Id, method, now, context, cancellationToken);
        var refresh = await RefreshToken.CreateAsync(tx, user.Id, session.Id, null, now, cancellationToken);
        var signedIn = await user.ReloadAsync(tx, cancellationToken);
        return await IssueAsync(tx, project, signedIn, session, refresh.Token, cancellationToken);
    }

    public async Task<IssuedSession> IssueAsync(
        RlsTransaction tx, Project project, User user, Session session, string refreshToken, CancellationToken cancellationToken)
    {
        var amr = await session.AmrAsync(tx, cancellationToken);
        var issuedAt = clock.GetUtcNow().ToUnixTimeSeconds();
        var expiresIn = project.Settings.Auth.JwtExpirySeconds;
        var expiresAt = issuedAt + expiresIn;
        var claims = new Dictionary<string, object>
        {
            ["iss"] = project.Settings.Auth.ApiExternalUrl,
            ["sub"] = user.Id.ToString(),
            ["aud"] = user.Aud,
            ["exp"] = expiresAt,
            ["iat"] = issuedAt,
            ["email"] = user.Email ?? string.Empty,
            ["phone"] = user.Phone ?? string.Empty,
            ["app_metadata"] = JsonDocument.Parse(user.AppMetadataJson).RootElement,
            ["user_metadata"] = JsonDocument.Parse(user.UserMetadataJson).RootElement,
            ["role"] = user.Role,
            ["aal"] = "aal1",
            ["amr"] = amr,
            ["session_id"] = session.Id.ToString(),
            ["is_anonymous"] = user.IsAnonymous,
        };
        var accessToken = project.CurrentSigningKey is { } key ? JwtIssuer.Sign(claims, key) : JwtIssuer.Sign(claims, project.JwtSecret);
        return new IssuedSession(accessToken, expiresIn, expiresAt, refreshToken, user);
    }
}

/// <summary>A session as the token endpoints answer it; the user JSON is Postgres's, embedded verbatim.</summary>
internal sealed record IssuedSession(string AccessToken, int ExpiresIn, long ExpiresAt, string RefreshToken, User User)
{
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("access_token", AccessToken);
            writer.WriteString("token_type", "bearer");
            writer.WriteNumber("expires_in", ExpiresIn);
            writer.WriteNumber("expires_at", ExpiresAt);
            writer.WriteString("refresh_token", RefreshToken);
            writer.WritePropertyName("user");
            writer.WriteRawValue(User.Json, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public IResult ToResult() => Results.Text(ToJson(), "application/json", Encoding.UTF8);

    /// <summary>The fragment GoTrue appends to a redirect after /verify (AccessTokenResponse.AsRedirectURL).</summary>
    public string AsFragment(string type) =>
        "access_token=" + Uri.EscapeDataString(AccessToken)
        + "&expires_at=" + ExpiresAt
        + "&expires_in=" + ExpiresIn
        + "&refresh_token=" + Uri.EscapeDataString(RefreshToken)
        + "&token_type=bearer"
        + "&type=" + Uri.EscapeDataString(type);
}
