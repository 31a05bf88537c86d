using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Auth;

/// <summary>
/// Issues sessions as GoTrue's tokens service: an access token with exactly GoTrue's claims (HS256 with the
/// project's secret, or RS256/ES256 with its current key and that key's <c>kid</c>), and the
/// response <c>{access_token, token_type, expires_in, expires_at, refresh_token, user}</c>.
/// </summary>
internal sealed class AccessTokens(TimeProvider clock)
{
    /// <summary>
    /// Starts a session for a user who just proved who they are (GoTrue's issueRefreshToken), in one round
    /// trip behind any statements already queued in <paramref name="tx"/>: the password grant's writes after
    /// the hash check travel and commit together. A session with <paramref name="notAfter"/> cannot be refreshed from then on.
    /// </summary>
    public async Task<IssuedSession> SignInAsync(
        RlsTransaction tx, Project project, User user, string method, HttpContext? context, CancellationToken cancellationToken,
        DateTimeOffset? notAfter = null)
    {
        var started = AddSignIn(tx, user, method, context, notAfter);
        await using var reader = await tx.ExecuteReaderAsync(cancellationToken);
        var issued = await ReadSignInAsync(reader, project, started, cancellationToken);

        // Read to the Sync, so an error raised at a single trip's commit surfaces here.
        while (await reader.NextResultAsync(cancellationToken))
        {
        }

        AuthMetrics.SignedIn(method);
        return issued;
    }

    public IssuedSession Issue(Project project, User user, Session session, string refreshToken, List<Dictionary<string, object>> amr)
    {
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
            ["aal"] = AuthenticatorAssurance.Of(amr),
            ["amr"] = amr,
            ["session_id"] = session.Id.ToString(),
            ["is_anonymous"] = user.IsAnonymous,
        };
        var accessToken = project.CurrentSigningKey is { } key ? JwtIssuer.Sign(claims, key) : JwtIssuer.Sign(claims, project.JwtSecret);
        return new IssuedSession(accessToken, expiresIn, expiresAt, refreshToken, user);
    }

    /// <summary>Sign-in time, session with its amr claim, first refresh token; then reads back the user and amr.</summary>
    private (Session Session, string RefreshToken) AddSignIn(RlsTransaction tx, User user, string method, HttpContext? context, DateTimeOffset? notAfter)
    {
        var now = clock.GetUtcNow();
        var session = new Session(Guid.NewGuid(), user.Id, notAfter);
        var refreshToken = RefreshToken.NewToken();
        tx.Add(user.RecordSignIn(now));
        tx.Add(Session.Insert(session.Id, user.Id, method, now, context, notAfter));
        tx.Add(RefreshToken.Insert(refreshToken, user.Id, session.Id, null, now));
        tx.Add(User.FindById(user.Id));
        tx.Add(Session.Amr(session.Id));
        return (session, refreshToken);
    }

    private async Task<IssuedSession> ReadSignInAsync(
        NpgsqlDataReader reader, Project project, (Session Session, string RefreshToken) started, CancellationToken cancellationToken)
    {
        var signedIn = await User.ReadAsync(reader, cancellationToken) ?? throw new AuthException(AuthErrors.UserNotFound());
        await reader.NextResultAsync(cancellationToken);
        var amr = await Session.ReadAmrAsync(reader, cancellationToken);
        return Issue(project, signedIn, started.Session, started.RefreshToken, amr);
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

    /// <summary>The fragment GoTrue appends to a redirect after /verify or an OAuth sign-in (AccessTokenResponse.AsRedirectURL); only /verify names a type.</summary>
    public string AsFragment(string? type) =>
        "access_token=" + Uri.EscapeDataString(AccessToken)
        + "&expires_at=" + ExpiresAt
        + "&expires_in=" + ExpiresIn
        + "&refresh_token=" + Uri.EscapeDataString(RefreshToken)
        + "&token_type=bearer"
        + (type is null ? string.Empty : "&type=" + Uri.EscapeDataString(type));
}
