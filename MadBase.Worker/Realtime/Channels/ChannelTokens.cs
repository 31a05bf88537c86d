using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime.Channels;

/// <summary>A verified channel token: who, and until when (unix seconds).</summary>
internal sealed record ChannelToken(Caller Caller, long Expires);

/// <summary>
/// Verifies a join's or an <c>access_token</c> message's JWT as REST verifies a bearer (the project's
/// secret or keys, its <c>ref</c>, the role allow-list), and as Supabase Realtime requires <c>role</c> and
/// <c>exp</c>. Errors carry Supabase's wording, which the client shows.
/// </summary>
internal sealed class ChannelTokens(JwtVerifier verifier, TimeProvider time)
{
    public async Task<(ChannelToken? Token, string? Error)> VerifyAsync(Project project, string token)
    {
        if (token.Split('.').Length != 3)
        {
            return (null, "MalformedJWT: The token provided is not a valid JWT");
        }

        var verification = await verifier.VerifyAsync(token, project.JwtSecret, project.SigningKeys);
        if (!verification.IsValid)
        {
            return verification.Error == JwtVerification.Expired
                ? (null, "InvalidJWTToken: " + ExpiredMessage(token))
                : (null, "JwtSignatureError: Failed to validate JWT signature");
        }

        if (verification.ProjectRef is { } claimedRef && claimedRef != project.Ref)
        {
            return (null, "JwtSignatureError: Failed to validate JWT signature");
        }

        using var claims = System.Text.Json.JsonDocument.Parse(verification.ClaimsJson);
        if (verification.Role is null || !claims.RootElement.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expires))
        {
            return (null, "InvalidJWTToken: Fields `role` and `exp` are required in JWT");
        }

        if (!ApiRoles.IsAllowed(verification.Role))
        {
            return (null, $"Unauthorized: role \"{verification.Role}\" is not allowed");
        }

        return (new ChannelToken(new Caller(verification.Role, verification.ClaimsJson, verification.Subject), expires), null);
    }

    /// <summary>Supabase's words for a token past its <c>exp</c>, which end a channel.</summary>
    public string ExpiredMessage(long expires) =>
        $"Token has expired {Math.Max(0, time.GetUtcNow().ToUnixTimeSeconds() - expires)} seconds ago";

    public bool HasExpired(long expires) => time.GetUtcNow().ToUnixTimeSeconds() >= expires;

    private string ExpiredMessage(string token)
    {
        try
        {
            var payload = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1]);
            using var document = System.Text.Json.JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var expires)
                ? ExpiredMessage(expires)
                : "Token has expired";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Text.Json.JsonException)
        {
            return "Token has expired";
        }
    }
}
