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

/// <summary>
/// The resolver's verdict on a request: its project and caller, or why it has none. Handlers never see it: they
/// get a <see cref="Tenant"/>, and <see cref="TenantFilter{TRenderer}"/> answers a failure.
/// </summary>
internal sealed record TenantRequest(Project? Project, Caller Caller, TenantFailure Failure, string? FailureMessage)
{
    public bool Succeeded => Failure == TenantFailure.None;

    public static TenantRequest Fail(TenantFailure failure, string message, Project? project = null) =>
        new(project, Caller.Anonymous, failure, message);
}
