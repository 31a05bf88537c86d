namespace MadBase.AppHost;

internal static class UpstreamWorkers
{
    /// <summary>
    /// Each worker as <c>services__worker__http__i</c>, the shape the gateway's UpstreamOptions reads (what one
    /// WithReference to a replicated "worker" would write), waiting for every one of them.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithUpstreamWorkers(
        this IResourceBuilder<ProjectResource> gateway, IReadOnlyList<IResourceBuilder<ProjectResource>> workers)
    {
        for (int i = 0; i < workers.Count; i++)
        {
            gateway
                .WithEnvironment($"services__worker__http__{i}", workers[i].GetEndpoint("http"))
                .WithReferenceRelationship(workers[i])
                .WaitFor(workers[i]);
        }

        return gateway;
    }
}
