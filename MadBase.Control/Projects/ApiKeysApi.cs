using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Control.Projects;

/// <summary>
/// Supabase's new API keys under <c>/admin/v1/projects/{ref}/api-keys</c>: POST creates a publishable or secret
/// key (the only answer that shows a secret key in full), GET lists them (secret keys masked), DELETE revokes one.
/// A change is published like any project change, so gateways drop the cached project at once (or within their
/// cache TTL without Redis). An existing key may be imported (<c>api_key</c>): the Supabase CLI's fixed local keys,
/// or a hosted project's, which name no ref and so are found in the host's or the default project.
/// </summary>
internal static class ApiKeysApi
{
    private const int MaxNameLength = 64;
    private const int MaxDescriptionLength = 200;

    /// <summary>Keys travel with the project to every gateway's cache: a bound keeps that small.</summary>
    private const int MaxKeys = 50;

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/admin/v1/projects/{projectRef}/api-keys")
            .AddEndpointFilter<AdminErrorFilter>()
            .AddEndpointFilter<AdminAuthentication>();
        keys.MapPost("/", Create);
        keys.MapGet("/", List);
        keys.MapDelete("/{id}", Revoke);
        return app;
    }

    public static async Task<IResult> Create(
        string projectRef, HttpRequest request, ProjectStore store, ProjectChanges changes, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<CreateApiKeyRequest>(request, CreateApiKeyRequest.Expected, cancellationToken);
        var type = body.Type switch
        {
            ProjectApiKey.Publishable or ProjectApiKey.Secret => body.Type,
            _ => throw AdminException.BadRequest("type must be publishable or secret"),
        };
        var name = body.Name?.Trim() is { Length: > 0 and <= MaxNameLength } trimmed
            ? trimmed
            : throw AdminException.BadRequest($"name is required, at most {MaxNameLength} characters");
        if (body.Description is { Length: > MaxDescriptionLength })
        {
            throw AdminException.BadRequest($"description: at most {MaxDescriptionLength} characters");
        }

        var value = body.ApiKey ?? ApiKeyFormat.New(type, projectRef);
        if (body.ApiKey is not null)
        {
            if (!ApiKeyFormat.IsImportable(type, body.ApiKey))
            {
                throw AdminException.BadRequest($"api_key must be a {type} key (sb_{type}_…, at least 16 characters after the prefix, at most 256 in all: letters, digits, - and _)");
            }

            if (ApiKeyFormat.ProjectRef(body.ApiKey) is { } named && named != projectRef)
            {
                throw AdminException.BadRequest($"api_key names project {named}");
            }
        }


        var key = new ProjectApiKey
        {
            Id = Guid.NewGuid().ToString(),
            Type = type,
            Name = name,
            Description = body.Description,
            Hash = ProjectApiKey.HashOf(value),
            Prefix = ApiKeyFormat.Visible(value),
            Value = type == ProjectApiKey.Publishable ? value : null,
            CreatedAt = time.GetUtcNow(),
        };
        _ = await store.AddApiKeyAsync(projectRef, key, MaxKeys, cancellationToken) ?? throw NotFound();
        await changes.PublishAsync(projectRef);
        return TypedResults.Created($"/admin/v1/projects/{projectRef}/api-keys/{key.Id}", ApiKeyView.From(key, value));
    }

    public static async Task<IResult> List(string projectRef, ProjectStore store, CancellationToken cancellationToken)
    {
        var project = await store.FindAsync(projectRef, cancellationToken) ?? throw NotFound();
        return TypedResults.Ok(project.ApiKeys.Select(k => ApiKeyView.From(k, k.Value)).ToList());
    }

    public static async Task<IResult> Revoke(string projectRef, string id, ProjectStore store, ProjectChanges changes, CancellationToken cancellationToken)
    {
        _ = await store.FindAsync(projectRef, cancellationToken) ?? throw NotFound();
        if (!await store.RevokeApiKeyAsync(projectRef, id, cancellationToken))
        {
            throw AdminException.NotFound("api key not found");
        }

        await changes.PublishAsync(projectRef);
        return TypedResults.NoContent();
    }

    private static AdminException NotFound() => AdminException.NotFound("project not found");
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateApiKeyRequest(string? Type, string? Name, string? Description, string? ApiKey)
{
    public const string Expected =
        """{"type": "publishable" | "secret", "name": "<text>", "description": "<optional text>", "api_key": "<optional: an existing sb_ key to import>"}""";
}

/// <summary>A key as the admin API shows it, in the shape of Supabase's management API (<c>api_key</c> is the key, masked when secret).</summary>
internal sealed record ApiKeyView(string Id, string Type, string Name, string? Description, string ApiKey, DateTimeOffset InsertedAt)
{
    /// <param name="value">The whole key when it may be shown (a publishable key, or a secret key at its creation).</param>
    public static ApiKeyView From(ProjectApiKey key, string? value) =>
        new(key.Id, key.Type, key.Name, key.Description, value ?? key.Prefix + "····", key.CreatedAt);
}
