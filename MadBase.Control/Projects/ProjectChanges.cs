using MadBase.ServiceDefaults.Messaging;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Control.Projects;

/// <summary>
/// Tells every cache that a project changed: this process's directory at once, Gateways and Workers
/// through Redis (without Redis they catch up within their cache TTL).
/// </summary>
internal sealed class ProjectChanges(IMessageBus bus, ProjectDirectory directory)
{
    public Task PublishAsync(string projectRef)
    {
        directory.Invalidate(projectRef);
        return bus.PublishAsync(ProjectHeaders.ChangesChannel, projectRef);
    }
}
