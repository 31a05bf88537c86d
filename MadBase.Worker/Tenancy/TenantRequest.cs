using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Tenancy;

/// <summary>Why a request could not be tied to a project and a caller. Each module renders these in its own wire shape.</summary>
internal enum TenantFailure
{
    None,
    NoProject,
    UnknownProject,
    MissingJwt,
    InvalidJwt,
    RoleNotAllowed,
}

/// <summary>The project a request belongs to and the caller inside it, resolved once per request.</summary>
internal sealed record TenantRequest(Project? Project, Caller Caller, TenantFailure Failure, string? FailureMessage)
{
    public bool Succeeded => Failure == TenantFailure.None;

    public static TenantRequest Fail(TenantFailure failure, string message, Project? project = null) =>
        new(project, Caller.Anonymous, failure, message);
}
