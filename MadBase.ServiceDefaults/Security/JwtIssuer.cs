using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MadBase.ServiceDefaults.Security;

/// <summary>Signs JWTs with exactly the claims given: HS256 with a project's secret, or RS256/ES256 with one of its keys.</summary>
public static class JwtIssuer
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static string Sign(IDictionary<string, object> claims, string secret) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>Signed with the key's algorithm; the header names the key (<c>kid</c>) for verifiers reading the JWKS.</summary>
    public static string Sign(IDictionary<string, object> claims, SigningKey key) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(SigningKeyMaterial.Of(key).Signing, key.Algorithm),
        });

    /// <summary>
    /// An API key as Supabase issues them: <c>{"iss":"supabase","ref":…,"role":…,"iat":…,"exp":…}</c>,
    /// valid for ten years.
    /// </summary>
    public static string ApiKey(string projectRef, string role, string secret, DateTimeOffset issuedAt) =>
        Sign(
            new Dictionary<string, object>
            {
                ["iss"] = "supabase",
                ["ref"] = projectRef,
                ["role"] = role,
                ["iat"] = issuedAt.ToUnixTimeSeconds(),
                ["exp"] = issuedAt.AddYears(10).ToUnixTimeSeconds(),
            },
            secret);
}
