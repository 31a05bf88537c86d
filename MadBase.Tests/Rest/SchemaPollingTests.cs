using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// Beyond Rest__MaxSchemaListeners projects (the second stack's workers keep none), a schema cache follows the
/// project's DDL log by polling, with no LISTEN connection: a worker's connections do not grow with its projects.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class SchemaPollingTests(SecondStackFixture stack)
{
    [Fact]
    public async Task WithoutAListener_TheCacheSeesDdlWithinThePollInterval()
    {
        // Both workers' caches are loaded: the setup waits until every worker serves its tables.
        var project = await TestProject.CreateAsync(stack, "rest-cache-polled", setupSql: """
            CREATE TABLE public.parents (id int PRIMARY KEY);
            CREATE TABLE public.children (id int PRIMARY KEY, parent_id int CONSTRAINT children_parent REFERENCES public.parents);
            GRANT SELECT ON public.parents, public.children TO anon;
            """);
        const string embed = "/rest/v1/children?select=id,parents(id)";
        (await project.GetAsync(embed)).AssertStatus(200);

        // Dropping the foreign key breaks no request planned from the old cache (the join needs no constraint), so
        // nothing but the poll tells a worker: four answers in a row without the relationship are both workers'.
        await project.ExecuteAsync("ALTER TABLE public.children DROP CONSTRAINT children_parent");
        var inARow = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (inARow < 4 && DateTime.UtcNow < deadline)
        {
            var answer = await project.GetAsync(embed);
            inARow = (int)answer.Status == 400 && answer.Body.Contains("PGRST200", StringComparison.Ordinal) ? inARow + 1 : 0;
            await Task.Delay(inARow == 0 ? 200 : 0);
        }

        Assert.True(inARow == 4, "the cache never saw the dropped relationship");
        Assert.Equal(0L, await project.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", "madbase-schema-listener:" + project.Ref));
    }
}
