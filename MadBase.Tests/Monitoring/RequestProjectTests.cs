using MadBase.ServiceDefaults.Projects;

namespace MadBase.Tests.Monitoring;

public sealed class RequestProjectTests
{
    [Fact]
    public void Label_PastTheLimit_CountsNewProjectsAsOther()
    {
        var labels = Enumerable.Range(0, RequestProject.MaxProjectLabels + 10).Select(_ => RequestProject.Label(Guid.NewGuid().ToString("N"))).ToList();
        Assert.Equal(RequestProject.OtherProjects, labels[^1]);
        Assert.InRange(labels.Count(l => l != RequestProject.OtherProjects), 1, RequestProject.MaxProjectLabels);
    }
}
