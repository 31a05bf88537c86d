using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Worker.Storage.Signing;

/// <summary>
/// Signed URL tokens: JWTs of the project (HS256, its JWT secret) bound to <c>bucket/path</c> and an expiry,
/// as storage-api signs them, plus a <c>kind</c> claim so a download token can never authorise an upload
/// (or the reverse) and an API key or session token, which has no <c>url</c>, is never a signed URL.
/// </summary>
internal static class SignedTokens
{
    public const string Download = "download";
    public const string Upload = "upload";

    public static string Sign(
        Project project, string kind, string url, TimeSpan lifetime, DateTimeOffset now, string? owner = null, bool upsert = false, string? transformations = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["url"] = url,
            ["kind"] = kind,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
        };
        if (transformations is not null)
        {
            claims["transformations"] = transformations;
        }

        if (kind == Upload)
        {
            claims["upsert"] = upsert;
            if (owner is not null)
            {
                claims["owner"] = owner;
            }
        }

        return JwtIssuer.Sign(claims, project.JwtSecret);
    }

    /// <summary>The token's claims when it is valid, unexpired, of <paramref name="kind"/> and for exactly <paramref name="url"/>.</summary>
    public static async Task<SignedClaims> VerifyAsync(JwtVerifier verifier, Project project, string? token, string kind, string url)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw StorageError.InvalidRequest("querystring must have required property 'token'");
        }

        var verification = await verifier.VerifyExactAsync(token, project.JwtSecret);
        if (!verification.IsValid)
        {
            throw verification.Error == JwtVerification.Expired
                ? StorageError.InvalidJwt("jwt expired")
                : StorageError.InvalidJwt("invalid signature");
        }

        using var document = JsonDocument.Parse(verification.ClaimsJson);
        var claims = document.RootElement;
        if (claims.String("kind") != kind)
        {
            throw StorageError.InvalidSignature("The token is not valid for this operation");
        }

        if (claims.String("url") != url)
        {
            throw StorageError.InvalidSignature("The url and token do not match");
        }

        return new SignedClaims(claims.String("owner"), claims.Bool("upsert") ?? false, claims.String("transformations"));
    }
}

/// <param name="Transformations">A render token's image options, in storage-api's <c>width:100,resize:cover</c> form.</param>
internal sealed record SignedClaims(string? Owner, bool Upsert, string? Transformations = null);
