using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.AppHost;

/// <summary>
/// Redis is optional in the app model as it is everywhere in MadBase: without it (MadBase__Redis=false, or no
/// redis-server installed) the model has no Redis resource and no service is handed one or waits for one, so
/// `dotnet run --project MadBase.AppHost` starts on a machine that has only .NET and Postgres.
/// </summary>
public sealed class AppModelRedisTests
{
    [Theory]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task Services_WaitForRedis_OnlyWhenTheModelHasIt(string setting, bool expected)
    {
        using TempDirectory directory = TempDirectory.Create("mbrd");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using IDistributedApplicationTestingBuilder builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MadBase_AppHost>(
            ["MadBase:Containers=false", $"MadBase:Redis={setting}", $"MadBase:DataDirectory={directory.FullPath}"], timeout.Token);

        Assert.Equal(expected, builder.Resources.Any(r => r.Name == "redis"));
        ProjectResource[] services = [.. builder.Resources.OfType<ProjectResource>()];
        Assert.Equal(["control", "gateway", "worker-1", "worker-2"], services.Select(s => s.Name).Order());
        foreach (ProjectResource service in services)
        {
            bool waits = service.Annotations.OfType<WaitAnnotation>().Any(w => w.Resource.Name == "redis");
            bool references = service.Annotations.OfType<ResourceRelationshipAnnotation>().Any(r => r.Resource.Name == "redis");
            Assert.True(waits == expected && references == expected, $"{service.Name}: waits for Redis {waits}, references it {references}");
        }
    }
}
