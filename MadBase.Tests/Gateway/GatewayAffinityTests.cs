using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// The gateway keeps each project on one worker (its pool, schema cache and prepared statements stay warm there),
/// spreads projects over the workers, and still spreads a burst of one project over all of them (bounded loads).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GatewayAffinityTests(StackFixture stack, GatewayRig rig) : IClassFixture<GatewayRig>, IAsyncLifetime
{
    public Task InitializeAsync() => rig.EnsureStartedAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Requests_OfEachProject_StayOnOneWorker_AndProjectsLandOnBoth()
    {
        var homes = new Dictionary<string, string> { ["default"] = await HomeAsync(stack.AnonKey, null) };

        // Each project's worker follows from its ref (a hash): new projects, four at a time, until both workers have
        // some. Four all on the default project's worker happen one time in 16; four such batches, one in 65,536.
        for (var batch = 0; batch < 4 && homes.Values.Distinct().Count() < 2; batch++)
        {
            var projects = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                TestProject.CreateAsync(stack, $"gateway affinity {batch}.{i}", openDatabase: false)));
            foreach (var project in projects)
            {
                homes[project.Ref] = await HomeAsync(project.AnonKey, project.Ref);
            }
        }

        Assert.Equal(["a", "b"], homes.Values.Distinct().Order());
    }

    [Fact]
    public async Task Burst_OfOneProject_SpreadsOverBothWorkers_WithinTheBound()
    {
        var home = await HomeAsync(stack.AnonKey, null);

        var reached = await rig.Client.HeldBurstAsync(stack.AnonKey, 8, rig.WorkerA, rig.WorkerB);

        // Its own worker first, and until it holds more than 1.25 times the average in flight: with 8 held on two
        // workers, at most ceil(1.25 × 8 / 2) = 5 there, the rest on the other.
        Assert.Equal(home, reached[0]);
        Assert.Equal(5, reached.Count(s => s == home));
        Assert.Equal(3, reached.Count(s => s != home));

        // Once the burst is over, the project is back on its own worker alone.
        Assert.Equal(home, await HomeAsync(stack.AnonKey, null));
    }

    [Fact]
    public async Task Requests_OfProjectsWithNothingElseInFlight_StayOnTheirWorker_HoweverBusyItIs()
    {
        // Six projects whose worker is the default project's (half of all new projects are, by the hash).
        var home = await HomeAsync(stack.AnonKey, null);
        var keys = new List<string>();
        for (var attempt = 0; attempt < 40 && keys.Count < 6; attempt++)
        {
            var project = await TestProject.CreateAsync(stack, $"gateway affinity alone {attempt}", openDatabase: false);
            if (await HomeAsync(project.AnonKey, project.Ref) == home)
            {
                keys.Add(project.AnonKey);
            }
        }

        Assert.Equal(6, keys.Count);

        var reached = await rig.Client.HeldBurstAsync(keys, rig.WorkerA, rig.WorkerB);

        // Six held on one worker and none on the other is far past 1.25 times the average (ceil(1.25 × 6 / 2) = 4),
        // but no project had another request in flight: none is a burst (ProjectAffinityPolicy.BurstSize), so none
        // leaves its worker.
        Assert.All(reached, server => Assert.Equal(home, server));
    }

    /// <summary>The worker six requests of the project (by its apikey) in a row reached; fails unless it is one.</summary>
    private async Task<string> HomeAsync(string apiKey, string? projectRef)
    {
        var echoes = new List<Echo>();
        for (var i = 0; i < 6; i++)
        {
            echoes.Add(await rig.Client.EchoAsync("/rest/v1/things", apiKey));
        }

        var server = Assert.Single(echoes.Select(e => e.Server).Distinct());
        if (projectRef is not null)
        {
            Assert.All(echoes, e => Assert.Equal(projectRef, e.Header(ProjectHeaders.ProjectRef)));
        }

        return server;
    }
}
