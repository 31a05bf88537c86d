using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Control.Projects;

/// <summary>
/// Drops a project's database (ending open sessions) and login role, then its row. The row goes last,
/// so a delete that fails half-way leaves a project that can still be found and deleted again.
/// </summary>
internal sealed partial class ProjectDeletion(
    SystemDatabase database, ProjectStore store, ProjectChanges changes, ILogger<ProjectDeletion> logger)
{
    public async Task DeleteAsync(Project project, CancellationToken cancellationToken)
    {
        await ProjectDatabase.DropAsync(database.DataSource, project, cancellationToken);
        await store.DeleteAsync(project.Ref, cancellationToken);
        await changes.PublishAsync(project.Ref);
        LogDeleted(logger, project.Ref, project.DatabaseName);
    }

    [LoggerMessage(EventId = EventIds.ProjectDeleted, Level = LogLevel.Information, Message = "Project {ProjectRef} deleted (database {DatabaseName} dropped)")]
    private static partial void LogDeleted(ILogger logger, string projectRef, string databaseName);
}
