namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// How the Gateway tells a Worker which project a request belongs to. The Gateway removes this header
/// from every client request before it resolves the project itself; the Worker still verifies the
/// bearer JWT against that project's secret, so a forged header alone reaches nothing.
/// </summary>
public static class ProjectHeaders
{
    public const string ProjectRef = "X-MadBase-Project";

    /// <summary>Redis channel on which Control publishes the ref of a project that changed or went away.</summary>
    public const string ChangesChannel = "madbase:projects";
}
