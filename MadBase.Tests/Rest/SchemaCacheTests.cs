using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>The schema cache follows DDL (event trigger) and NOTIFY pgrst without a restart.</summary>
[Collection(StackCollection.Name)]
public sealed class SchemaCacheTests(StackFixture stack) : IAsyncLifetime
{
    private RestProject project = null!;

    public async Task InitializeAsync() =>
        project = await RestProject.SharedAsync(stack, "rest-cache", "CREATE TABLE public.first (id int)");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Ddl_NewTableAndColumn_AreServedWithoutRestart()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await project.GetAsync("/rest/v1/later")).Status);
        await project.ExecuteAsync("CREATE TABLE public.later (id int PRIMARY KEY, label text); INSERT INTO public.later VALUES (1, 'one')");
        await project.WaitForSchemaAsync("later");
        RestProject.AssertJson(RestProject.Json("""[{"label":"one"}]"""), (await project.GetAsync("/rest/v1/later?select=label")).Json);

        await project.ExecuteAsync("ALTER TABLE public.later ADD COLUMN extra int DEFAULT 7");
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var response = await project.GetAsync("/rest/v1/later?select=extra");
            if (response.Status == HttpStatusCode.OK)
            {
                RestProject.AssertJson(RestProject.Json("""[{"extra":7}]"""), response.Json);
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the new column never appeared");
    }

    [Fact]
    public async Task Notify_ReloadSchema_PicksUpChangesWithoutEventTrigger()
    {
        await project.ExecuteAsync("""
            ALTER EVENT TRIGGER pgrst_ddl_watch DISABLE;
            CREATE TABLE public.quiet (id int);
            """);
        try
        {
            await Task.Delay(500);
            Assert.Equal(HttpStatusCode.NotFound, (await project.GetAsync("/rest/v1/quiet")).Status);
            await project.ExecuteAsync("NOTIFY pgrst, 'reload schema'");
            await project.WaitForSchemaAsync("quiet");
        }
        finally
        {
            await project.ExecuteAsync("ALTER EVENT TRIGGER pgrst_ddl_watch ENABLE");
        }
    }
}
