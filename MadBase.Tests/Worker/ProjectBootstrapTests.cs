using System.Net;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Rest;

namespace MadBase.Tests.Worker;

/// <summary>
/// A worker opening a project's pool skips the bootstrap when the database's ledger is complete (another worker, or
/// this one before, brought it up to date), and proves the login role on the first connection instead: a login the
/// database refuses runs the full bootstrap, which sets the role as the project has it, and the request is served.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ProjectBootstrapTests(StackFixture stack)
{
    [Fact]
    public async Task ReopenedPool_WhoseLoginTheDatabaseRefuses_RunsTheBootstrapAgain_AndServes()
    {
        var project = await TestProject.CreateAsync(
            stack, "bootstrap again", setupSql: "CREATE TABLE public.items (id int); INSERT INTO public.items VALUES (1); GRANT SELECT ON public.items TO anon");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1}]"""), (await project.GetAsync("/rest/v1/items")).Json);

        // Only the bootstrap's role statements set the login's password; a skipped bootstrap leaves this one in place.
        await project.ExecuteAsync($"ALTER ROLE \"{project.Ref}_authenticator\" PASSWORD 'changed by hand'");
        // A settings change makes every worker drop the project's pool; its connections close with it.
        await project.PatchSettingsAsync(new { api = new { keyless = false } });
        Assert.True(await Eventually.TrueAsync(async () => await PooledConnectionsAsync(project) == 0, TimeSpan.FromSeconds(15)), "the workers never dropped the project's pool");

        var response = await project.GetAsync("/rest/v1/items");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1}]"""), response.Json);
    }

    private static async Task<long> PooledConnectionsAsync(TestProject project) =>
        await project.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", "madbase-worker:" + project.Ref);
}
