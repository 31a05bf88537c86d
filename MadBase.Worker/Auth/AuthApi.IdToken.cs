using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace MadBase.Worker.Auth;

// POST /token?grant_type=id_token (GoTrue's token_oidc.go).
internal static partial class AuthApi
{
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

    /// <summary>
    /// POST /token?grant_type=id_token (token_oidc.go, auth-js signInWithIdToken): an ID token from a provider the
    /// project enabled, verified against the provider's JWKS, signs its user in (created or linked as the callback does).
    /// </summary>
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

        var (provider, refusal) = IdTokenProvider(s, input);
        if (provider is null)
        {
            return refusal!;
        }

        JsonWebToken token;
        try
        {
            token = await provider.VerifyAsync(input.IdToken, validateAudience: false, s.Aborted);
        }
        catch (ExternalProviderException)
        {
            return OAuthError("Bad ID token");
        }
        catch (Exception e) when (!s.Aborted.IsCancellationRequested && e is not AuthException)
        {
            // The issuer's discovery document or keys could not be fetched.
            return ProviderUnreachable(provider).ToResult();
        }

        if (string.IsNullOrEmpty(token.Subject))
        {
            return OAuthError("Missing sub claim in id_token");
        }

        var audiences = token.Audiences.ToList();
        if (!audiences.Any(provider.ClientIds.Contains))
        {
            return OAuthError($"Unacceptable audience in id_token: [{string.Join(' ', audiences)}]");
        }

        var tokenNonce = token.TryGetPayloadValue<string>("nonce", out var carried) ? carried : string.Empty;
        if (!provider.Settings.SkipNonceCheck)
        {
            if (tokenNonce.Length > 0 != !string.IsNullOrEmpty(input.Nonce))
            {
                return OAuthError("Passed nonce and nonce in id_token should either both exist or not.");
            }

            // The client sends the raw nonce and asked the provider for its SHA-256, so a token replayed without the raw value fails.
            if (tokenNonce.Length > 0 && Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input.Nonce!))) != tokenNonce)
            {
                return Results.Json(new Dictionary<string, string> { ["error"] = "invalid nonce", ["error_description"] = "Nonces mismatch" }, statusCode: 400);
            }
        }

        var now = s.Clock.GetUtcNow();
        await using var tx = await s.BeginAsync();
        var user = await IdentityLinking.SignInOrCreateAsync(s, tx, provider, provider.FromIdToken(token), now);
        await AuditLog.WriteAsync(tx, s.Context, user, AuditLog.Login, now, new Dictionary<string, object> { ["provider"] = provider.Name }, s.Aborted);
        var session = await s.Tokens.SignInAsync(tx, s.Project, user, OAuthFlowState.AuthenticationMethod, s.Context, s.Aborted);
        await tx.CommitAsync(s.Aborted);
        return session.ToResult();
    }

    /// <summary>token_oidc.go's getProvider: the enabled provider the request names, by name or issuer, or GoTrue's refusal.</summary>
    private static (OidcProvider? Provider, IResult? Refusal) IdTokenProvider(AuthServices s, IdTokenParams input)
    {
        var provider = input.Provider ?? string.Empty;
        var issuer = input.Issuer ?? string.Empty;
        if (provider == "apple" || issuer is "https://appleid.apple.com" or "https://account.apple.com")
        {
            return s.Providers.Find(s.Project, "apple") is OidcProvider apple ? (apple, null)
                : (null, DisabledForDetectedIssuer(input, "Apple", iss => iss is "https://appleid.apple.com" or "https://account.apple.com"));
        }

        if (provider == "azure" || System.Text.RegularExpressions.Regex.IsMatch(issuer, "^https://login[.]microsoftonline[.]com/([^/]+)/v2[.]0/?$"))
        {
            return s.Providers.Find(s.Project, "azure") is OidcProvider azure ? (azure, null) : (null, DisabledForDetectedIssuer(
                input, "Azure", iss => iss.StartsWith("https://login.microsoftonline.com/", StringComparison.Ordinal) || iss.StartsWith("https://sts.windows.net/", StringComparison.Ordinal)));
        }

        if (IdTokenIssuers.FirstOrDefault(p => p.Key == provider || (p.Value.Length > 0 && p.Value == issuer)) is { Key: not null } known)
        {
            return s.Providers.Find(s.Project, known.Key) is OidcProvider named ? (named, null) : (null, ProviderNotEnabled(known.Value));
        }

        // The generic provider, by its name or its configured issuer.
        if ((provider == "oidc" ? s.Providers.Find(s.Project, "oidc") as OidcProvider : s.Providers.FindByIssuer(s.Project, issuer)) is { } generic)
        {
            return (generic, null);
        }

        return (null, provider.StartsWith("custom:", StringComparison.Ordinal)
            ? AuthErrors.BadRequestValidation("Custom OAuth providers are disabled").ToResult()
            : provider == "oidc" ? ProviderNotEnabled(issuer)
            : AuthErrors.BadRequestValidation($"Custom OIDC provider {GoQuoted(provider)} not allowed").ToResult());
    }
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
