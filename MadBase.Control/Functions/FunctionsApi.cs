using MadBase.Control.Admin;
using MadBase.Control.Projects;
using MadBase.ServiceDefaults.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MadBase.Control.Functions;

/// <summary>
/// The admin API over a project's Edge Functions and their secrets, <c>/admin/v1/projects/{ref}/functions</c>
/// and <c>/secrets</c>. Every change is published as a project change, so workers drop what they cached of it.
/// </summary>
internal static class FunctionsApi
{
    public static IEndpointRouteBuilder MapFunctionsApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/admin/v1/projects/{projectRef}")
            .AddEndpointFilter<AdminErrorFilter>()
            .AddEndpointFilter<AdminAuthentication>();

        project.MapGet("/functions", ListFunctions);
        project.MapGet("/functions/{slug}", GetFunction);
        project.MapPut("/functions/{slug}", DeployFunction);
        project.MapDelete("/functions/{slug}", DeleteFunction);
        project.MapGet("/functions/{slug}/logs", ReadLogs);

        project.MapGet("/secrets", ListSecrets);
        project.MapPost("/secrets", SetSecrets);
        project.MapDelete("/secrets/{name}", DeleteSecret);
        return app;
    }

    public static async Task<Ok<List<FunctionDetails>>> ListFunctions(
        string projectRef, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        return TypedResults.Ok(await services.Store.ListAsync(projectRef, cancellationToken));
    }

    public static async Task<Ok<FunctionDetails>> GetFunction(
        string projectRef, string slug, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        return TypedResults.Ok(await services.Store.FindAsync(projectRef, RequireSlug(slug), cancellationToken) ?? throw FunctionNotFound());
    }

    /// <summary>
    /// <c>PUT .../functions/{slug}[?verify_jwt=false]</c> with the folder as a gzipped tar: a new version, served
    /// from the next request on. <c>verify_jwt</c> is on unless the deploy says otherwise, as with Supabase's CLI.
    /// </summary>
    public static async Task<Results<Created<FunctionDetails>, Ok<FunctionDetails>>> DeployFunction(
        string projectRef, string slug, string? verify_jwt, HttpRequest request, [AsParameters] FunctionServices services,
        CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        RequireSlug(slug);
        var verifyJwt = verify_jwt switch
        {
            null or "true" => true,
            "false" => false,
            _ => throw AdminException.BadRequest("verify_jwt must be true or false"),
        };
        var bundle = await FunctionBundle.ReadAsync(request, cancellationToken);
        await services.SyntaxCheck.CheckAsync(bundle, cancellationToken);
        var (function, created) = await services.Store.DeployAsync(projectRef, slug, verifyJwt, bundle, cancellationToken);
        await services.Changes.PublishAsync(projectRef);
        return created
            ? TypedResults.Created($"/admin/v1/projects/{projectRef}/functions/{slug}", function)
            : TypedResults.Ok(function);
    }

    public static async Task<NoContent> DeleteFunction(
        string projectRef, string slug, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        if (!await services.Store.DeleteAsync(projectRef, RequireSlug(slug), cancellationToken))
        {
            throw FunctionNotFound();
        }

        await services.Changes.PublishAsync(projectRef);
        return TypedResults.NoContent();
    }

    /// <summary><c>GET .../functions/{slug}/logs[?limit=100]</c>: the function's newest console lines, oldest first.</summary>
    public static async Task<Ok<List<FunctionLogLine>>> ReadLogs(
        string projectRef, string slug, string? limit, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        var count = FunctionLogs.ParseLimit(limit);
        return TypedResults.Ok(await services.Logs.ReadAsync(projectRef, RequireSlug(slug), count));
    }

    public static async Task<Ok<List<SecretSummary>>> ListSecrets(
        string projectRef, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        return TypedResults.Ok(await services.Store.ListSecretsAsync(projectRef, cancellationToken));
    }

    /// <summary><c>POST .../secrets</c> <c>{"secrets": [{"name", "value"}]}</c>: sets each, as <c>supabase secrets set</c>.</summary>
    public static async Task<Ok<List<SecretSummary>>> SetSecrets(
        string projectRef, HttpRequest request, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        var body = await RequestBody.ReadAsync<SetSecretsRequest>(request, SetSecretsRequest.Expected, cancellationToken);
        if (body.Secrets is not { Count: > 0 } secrets)
        {
            throw AdminException.BadRequest($"no secrets given: expected {SetSecretsRequest.Expected}");
        }

        var valid = new List<(string, string)>();
        foreach (var secret in secrets)
        {
            if (!FunctionNames.IsValidSecretName(secret?.Name))
            {
                throw AdminException.BadRequest(
                    $"secret names are letters, digits and '_', not starting with a digit or {FunctionNames.ReservedSecretPrefix}");
            }

            if (secret!.Value is null || secret.Value.Length > 65536)
            {
                throw AdminException.BadRequest($"secret {secret.Name} needs a value of at most 65536 characters");
            }

            valid.Add((secret.Name!, secret.Value));
        }

        if (valid.Select(s => s.Item1).Distinct(StringComparer.Ordinal).Count() != valid.Count)
        {
            throw AdminException.BadRequest("a secret is named twice");
        }

        await services.Store.SetSecretsAsync(projectRef, valid, cancellationToken);
        await services.Changes.PublishAsync(projectRef);
        return TypedResults.Ok(await services.Store.ListSecretsAsync(projectRef, cancellationToken));
    }

    public static async Task<NoContent> DeleteSecret(
        string projectRef, string name, [AsParameters] FunctionServices services, CancellationToken cancellationToken)
    {
        await services.RequireProjectAsync(projectRef, cancellationToken);
        if (!FunctionNames.IsValidSecretName(name) || !await services.Store.DeleteSecretAsync(projectRef, name, cancellationToken))
        {
            throw AdminException.NotFound("secret not found");
        }

        await services.Changes.PublishAsync(projectRef);
        return TypedResults.NoContent();
    }

    private static string RequireSlug(string slug) =>
        FunctionNames.IsValidSlug(slug)
            ? slug
            : throw AdminException.BadRequest("a function's name is a letter, then letters, digits, '-' or '_' (at most 63)");

    private static AdminException FunctionNotFound() => AdminException.NotFound("function not found");
}

internal sealed record FunctionServices(
    FunctionStore Store, ProjectStore Projects, ProjectChanges Changes, FunctionSyntaxCheck SyntaxCheck, FunctionLogs Logs)
{
    public async Task RequireProjectAsync(string projectRef, CancellationToken cancellationToken)
    {
        if (await Projects.FindAsync(projectRef, cancellationToken) is null)
        {
            throw AdminException.NotFound("project not found");
        }
    }
}
