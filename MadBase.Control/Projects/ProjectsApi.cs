using MadBase.Control.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MadBase.Control.Projects;

/// <summary>The admin API over projects, <c>/admin/v1/projects</c>; every route needs the admin password.</summary>
internal static class ProjectsApi
{
    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/admin/v1/projects")
            .AddEndpointFilter<AdminErrorFilter>()
            .AddEndpointFilter<AdminAuthentication>();

        api.MapGet("/", ListProjects);
        api.MapGet("/{projectRef}", GetProject);
        api.MapPost("/", CreateProject);
        api.MapPatch("/{projectRef}", UpdateProject);
        api.MapDelete("/{projectRef}", DeleteProject);
        api.MapPost("/{projectRef}/jwt_signing/rotate", RotateSigningKey);
        return app;
    }

    public static async Task<Ok<List<ProjectSummary>>> ListProjects([AsParameters] ProjectServices services, CancellationToken cancellationToken) =>
        TypedResults.Ok(await services.Store.ListAsync(cancellationToken));

    public static async Task<Ok<ProjectDetails>> GetProject(
        string projectRef, [AsParameters] ProjectServices services, CancellationToken cancellationToken)
    {
        var project = await services.Store.FindAsync(projectRef, cancellationToken) ?? throw NotFound();
        return TypedResults.Ok(ProjectDetails.From(project));
    }

    public static async Task<Created<ProjectDetails>> CreateProject(
        HttpRequest request, [AsParameters] ProjectServices services, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<CreateProjectRequest>(request, CreateProjectRequest.Expected, cancellationToken);
        var newProject = body.Validate();
        if (await services.Store.FindAsync(newProject.Ref, cancellationToken) is not null)
        {
            // Cheap early answer; the insert's unique key is what actually guarantees it.
            throw AdminException.Conflict($"project {newProject.Ref} already exists");
        }

        var project = await services.Creation.CreateAsync(newProject, cancellationToken);
        return TypedResults.Created($"/admin/v1/projects/{project.Ref}", ProjectDetails.From(project));
    }

    public static async Task<Ok<ProjectDetails>> UpdateProject(
        string projectRef, HttpRequest request, [AsParameters] ProjectServices services, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<UpdateProjectRequest>(request, UpdateProjectRequest.Expected, cancellationToken);
        var project = await services.Store.UpdateAsync(projectRef, ProjectInput.Name(body.Name), body.Settings, cancellationToken)
            ?? throw NotFound();
        await services.Changes.PublishAsync(project.Ref);
        return TypedResults.Ok(ProjectDetails.From(project));
    }

    /// <summary>Replaces the current RS256/ES256 key; the old one stays in the JWKS, and verifying, until its tokens expire.</summary>
    public static async Task<Ok<ProjectDetails>> RotateSigningKey(
        string projectRef, [AsParameters] ProjectServices services, CancellationToken cancellationToken)
    {
        var project = await services.Store.RotateSigningKeyAsync(projectRef, cancellationToken) ?? throw NotFound();
        await services.Changes.PublishAsync(project.Ref);
        return TypedResults.Ok(ProjectDetails.From(project));
    }

    /// <summary>Irreversible, so the ref must be repeated: <c>DELETE /admin/v1/projects/abc?confirm=abc</c>.</summary>
    public static async Task<NoContent> DeleteProject(
        string projectRef, string? confirm, [AsParameters] ProjectServices services, CancellationToken cancellationToken)
    {
        var project = await services.Store.FindAsync(projectRef, cancellationToken) ?? throw NotFound();
        if (!string.Equals(confirm, project.Ref, StringComparison.Ordinal))
        {
            throw AdminException.BadRequest(
                $"deleting a project drops its database and everything in it: repeat its ref as ?confirm={project.Ref} to go ahead");
        }

        await services.Deletion.DeleteAsync(project, cancellationToken);
        return TypedResults.NoContent();
    }

    private static AdminException NotFound() => AdminException.NotFound("project not found");
}

internal sealed record ProjectServices(ProjectStore Store, ProjectCreation Creation, ProjectDeletion Deletion, ProjectChanges Changes);
