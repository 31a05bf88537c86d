using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.Projects;

/// <summary>
/// Moving a Supabase project in with its tokens still valid: <c>PUT /admin/v1/projects/{ref}/jwt_secret</c> sets
/// the legacy HS256 secret (and the anon/service_role keys signed with it, given or made anew), and
/// <c>POST …/jwt_signing/keys</c> imports an asymmetric key as a JWK: public only, to verify tokens signed elsewhere;
/// with its private half, optionally as the key new tokens are signed with. <c>DELETE …/jwt_signing/keys/{kid}</c>
/// removes an imported key.
/// </summary>
internal static class JwtKeysApi
{
    public static IEndpointRouteBuilder MapJwtKeysApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/admin/v1/projects/{projectRef}")
            .AddEndpointFilter<AdminErrorFilter>()
            .AddEndpointFilter<AdminAuthentication>();
        project.MapPut("/jwt_secret", SetJwtSecret);
        project.MapPost("/jwt_signing/keys", ImportSigningKey);
        project.MapDelete("/jwt_signing/keys/{kid}", RemoveSigningKey);
        return app;
    }

    public static async Task<IResult> SetJwtSecret(
        string projectRef, HttpRequest request, [AsParameters] ProjectServices services, JwtVerifier verifier, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SetJwtSecretRequest>(request, SetJwtSecretRequest.Expected, cancellationToken);
        var secret = ProjectInput.JwtSecret(body.JwtSecret ?? throw AdminException.BadRequest("jwt_secret is required"));
        await CheckKeyAsync(verifier, body.AnonKey, "anon_key", "anon", projectRef, secret);
        await CheckKeyAsync(verifier, body.ServiceRoleKey, "service_role_key", "service_role", projectRef, secret);

        var project = await services.Store.ReplaceJwtKeysAsync(
            projectRef,
            (stored, now) => (
                secret,
                body.AnonKey ?? JwtIssuer.ApiKey(stored.Ref, "anon", secret, now),
                body.ServiceRoleKey ?? JwtIssuer.ApiKey(stored.Ref, "service_role", secret, now),
                stored.SigningKeys),
            cancellationToken) ?? throw NotFound();
        await services.Changes.PublishAsync(project.Ref);
        return TypedResults.Ok(ProjectDetails.From(project));
    }

    public static async Task<IResult> ImportSigningKey(
        string projectRef, HttpRequest request, [AsParameters] ProjectServices services, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<ImportSigningKeyRequest>(request, ImportSigningKeyRequest.Expected, cancellationToken);
        var key = JwkImport.Parse(body.Jwk ?? throw AdminException.BadRequest("jwk is required"), time.GetUtcNow());
        if (body.Current && key.PrivateKey is null)
        {
            throw AdminException.BadRequest("current: only a key with its private half (jwk.d) can sign");
        }

        var project = await services.Store.ImportSigningKeyAsync(projectRef, key, body.Current, cancellationToken) ?? throw NotFound();
        await services.Changes.PublishAsync(project.Ref);
        return TypedResults.Created($"/admin/v1/projects/{project.Ref}/jwt_signing/keys/{key.Kid}", ProjectDetails.From(project));
    }

    public static async Task<IResult> RemoveSigningKey(
        string projectRef, string kid, [AsParameters] ProjectServices services, CancellationToken cancellationToken)
    {
        var existing = await services.Store.FindAsync(projectRef, cancellationToken) ?? throw NotFound();
        if (!existing.SigningKeys.Any(k => k.Kid == kid && k.Imported && k.RetiredAt is not null))
        {
            throw AdminException.NotFound("no imported key with this kid that is not signing (rotate first to retire a signing key)");
        }

        var project = await services.Store.ReplaceJwtKeysAsync(
            projectRef,
            (stored, _) => (stored.JwtSecret, stored.AnonKey, stored.ServiceRoleKey,
                [.. stored.SigningKeys.Where(k => !(k.Kid == kid && k.Imported && k.RetiredAt is not null))]),
            cancellationToken) ?? throw NotFound();
        await services.Changes.PublishAsync(project.Ref);
        return TypedResults.NoContent();
    }

    /// <summary>A given legacy key must be one the new secret signed, for its role, and for this project (its ref claim is how the gateway routes it).</summary>
    private static async Task CheckKeyAsync(JwtVerifier verifier, string? key, string field, string role, string projectRef, string secret)
    {
        if (key is null)
        {
            return;
        }

        var verification = await verifier.VerifyAsync(key, secret, []);
        if (!verification.IsValid)
        {
            throw AdminException.BadRequest($"{field} does not verify with jwt_secret ({verification.Error})");
        }

        if (verification.Role != role)
        {
            throw AdminException.BadRequest($"{field} must have the role claim {role}");
        }

        if (verification.ProjectRef is { } claimed && claimed != projectRef)
        {
            throw AdminException.BadRequest($"{field} names project {claimed} in its ref claim: import it into a project with that ref");
        }
    }

    private static AdminException NotFound() => AdminException.NotFound("project not found");
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SetJwtSecretRequest(string? JwtSecret, string? AnonKey, string? ServiceRoleKey)
{
    public const string Expected = """{"jwt_secret": "<at least 32 characters>", "anon_key": "<optional JWT>", "service_role_key": "<optional JWT>"}""";
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ImportSigningKeyRequest(JsonElement? Jwk, bool Current)
{
    public const string Expected = """{"jwk": {<an RSA or EC P-256 JWK, with or without d>}, "current": <optional boolean: sign new tokens with it>}""";
}
