using System.Net;
using System.Net.Http.Headers;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Rest;

/// <summary>The schema cache follows DDL (event trigger) and NOTIFY pgrst without a restart.</summary>
[Collection(StackCollection.Name)]
public sealed class SchemaCacheTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-cache", "CREATE TABLE public.first (id int)");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Ddl_NewTableAndColumn_AreServedWithoutRestart()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await project.GetAsync("/rest/v1/later")).Status);
        await project.ExecuteAsync("CREATE TABLE public.later (id int PRIMARY KEY, label text); INSERT INTO public.later VALUES (1, 'one')");
        await project.WaitForSchemaAsync("later");
        RestCalls.AssertJson(RestCalls.Json("""[{"label":"one"}]"""), (await project.GetAsync("/rest/v1/later?select=label")).Json);

        await project.ExecuteAsync("ALTER TABLE public.later ADD COLUMN extra int DEFAULT 7");
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var response = await project.GetAsync("/rest/v1/later?select=extra");
            if (response.Status == HttpStatusCode.OK)
            {
                RestCalls.AssertJson(RestCalls.Json("""[{"extra":7}]"""), response.Json);
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the new column never appeared");
    }

    [Fact]
    public async Task Ddl_UsedAtOnce_IsServedEvenBeforeTheNotificationArrives()
    {
        // Each step cuts the workers' LISTEN connections first; they reconnect only after a second, so the
        // requests that follow the DDL at once can only succeed by catching up on a miss.
        var listeners = (await project.QueryJsonAsync($"""
            SELECT 1 FROM pg_stat_activity WHERE application_name = 'madbase-schema-listener:{project.Ref}'
            """)).AsArray().Count;
        Assert.True(listeners > 0);
        await CutListenersAsync();
        await project.ExecuteAsync("CREATE TABLE public.at_once (id int PRIMARY KEY, label text); INSERT INTO public.at_once VALUES (1, 'one')");
        for (var i = 0; i < 4; i++)
        {
            var read = await project.GetAsync("/rest/v1/at_once?select=id,label");
            Assert.Equal(HttpStatusCode.OK, read.Status);
            RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"label":"one"}]"""), read.Json);
        }

        // A write whose body names a column added a moment ago: the body is read again for the retry.
        await CutListenersAsync();
        await project.ExecuteAsync("ALTER TABLE public.at_once ADD COLUMN score int");
        var insert = await project.SendAsync(
            HttpMethod.Post, "/rest/v1/at_once", """{"id":2,"label":"two","score":5}""", project.ServiceRoleKey, ("Prefer", "return=representation"));
        Assert.Equal(HttpStatusCode.Created, insert.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"id":2,"label":"two","score":5}]"""), insert.Json);

        await CutListenersAsync();
        await project.ExecuteAsync("CREATE FUNCTION public.at_once_twice(n int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT n * 2 $$");
        var call = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/at_once_twice", """{"n":21}""");
        Assert.Equal(HttpStatusCode.OK, call.Status);
        Assert.Equal("42", call.Body);

        // A miss that is real stays one, after the one check.
        var missing = await project.GetAsync("/rest/v1/never_created");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("PGRST205", missing.ErrorCode);
        await WaitForListenersAsync(listeners);
    }

    [Fact]
    public async Task Ddl_ByAnyRole_AndTemporaryTablesInReadOnlyCalls_StillWork()
    {
        // The DDL log's triggers run for every role; neither a plain role's DDL nor a temporary table made
        // by a function the API calls may fail because of them.
        await project.ExecuteAsync("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rest_cache_migrator') THEN CREATE ROLE rest_cache_migrator; END IF;
            END $$;
            GRANT CREATE, USAGE ON SCHEMA public TO rest_cache_migrator;
            SET ROLE rest_cache_migrator;
            CREATE TABLE public.by_migrator (id int);
            GRANT SELECT ON public.by_migrator TO anon;
            RESET ROLE;
            CREATE FUNCTION public.scratch_sum() RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                CREATE TEMP TABLE IF NOT EXISTS scratch (n int) ON COMMIT DROP;
                INSERT INTO scratch VALUES (2), (3);
                RETURN (SELECT sum(n) FROM scratch);
            END $$;
            """);
        Assert.Equal(HttpStatusCode.OK, (await project.GetAsync("/rest/v1/by_migrator")).Status);

        var post = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/scratch_sum", "{}");
        Assert.True(post.Status == HttpStatusCode.OK, post.Body);
        Assert.Equal("5", post.Body);

        // The log keeps one row once DDL is done, and temporary tables add none.
        var logged = await project.QueryJsonAsync("SELECT id FROM _madbase.schema_changes");
        Assert.Single(logged.AsArray());
        Assert.Equal("5", (await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/scratch_sum", "{}")).Body);
        RestCalls.AssertJson(logged, await project.QueryJsonAsync("SELECT id FROM _madbase.schema_changes"));
    }

    private Task CutListenersAsync() => project.ExecuteAsync($"""
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'madbase-schema-listener:{project.Ref}'
        """);

    /// <summary>Until every worker listens again and has done the reload that follows; other tests count on both.</summary>
    private async Task WaitForListenersAsync(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var listening = (await project.QueryJsonAsync($"""
                SELECT 1 FROM pg_stat_activity WHERE application_name = 'madbase-schema-listener:{project.Ref}' AND query = 'LISTEN pgrst'
                """)).AsArray().Count;
            if (listening >= count)
            {
                await Task.Delay(500);
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the schema listeners did not come back");
    }

    /// <summary>
    /// A <c>CREATE ... IF NOT EXISTS</c> that finds its object changes nothing: no DDL log row, no reload announced.
    /// Every worker's bootstrap ran some, and each announced one made every worker listening to the project reload.
    /// </summary>
    [Fact]
    public async Task Ddl_ThatChangesNothing_IsNeitherLoggedNorAnnounced()
    {
        await using var listener = new NpgsqlConnection(project.ConnectionString);
        await listener.OpenAsync();
        var announced = 0;
        listener.Notification += (_, e) => Interlocked.Increment(ref announced);
        await using (var listen = new NpgsqlCommand("LISTEN pgrst", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var logged = await project.ScalarAsync<long>("SELECT max(id) FROM _madbase.schema_changes");

        await project.ExecuteAsync("CREATE SCHEMA IF NOT EXISTS public; CREATE TABLE IF NOT EXISTS public.first (id int)");
        Assert.Equal(logged, await project.ScalarAsync<long>("SELECT max(id) FROM _madbase.schema_changes"));

        // A change after it is logged and announced, once: the statements before it announced nothing.
        await project.ExecuteAsync($"CREATE TABLE public.changed_{Guid.NewGuid():N} (id int)");
        Assert.True(await project.ScalarAsync<long>("SELECT max(id) FROM _madbase.schema_changes") > logged);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, announced);
    }

    [Fact]
    public async Task Notify_ReloadSchema_PicksUpChangesWithoutEventTrigger()
    {
        // Every worker's cache loaded now (an idle one is evicted and would read the new table when loaded again).
        // Each worker is asked directly: the gateway keeps a project's requests on one worker.
        foreach (var worker in stack.Stack.WorkerUrls)
        {
            Assert.Equal(HttpStatusCode.OK, await GetFromWorkerAsync(worker, "/rest/v1/first"));
        }

        // A cache loaded just now reloads once its LISTEN is in place (to cover the gap); that reload must not be
        // the one that finds the new table.
        await WaitForListenersAsync(stack.Stack.WorkerUrls.Count);
        await project.ExecuteAsync("""
            ALTER EVENT TRIGGER pgrst_ddl_watch DISABLE;
            CREATE TABLE public.quiet (id int);
            """);
        try
        {
            await Task.Delay(500);
            foreach (var worker in stack.Stack.WorkerUrls)
            {
                Assert.Equal(HttpStatusCode.NotFound, await GetFromWorkerAsync(worker, "/rest/v1/quiet"));
            }

            await project.ExecuteAsync("NOTIFY pgrst, 'reload schema'");
            await project.WaitForSchemaAsync("quiet");
        }
        finally
        {
            await project.ExecuteAsync("ALTER EVENT TRIGGER pgrst_ddl_watch ENABLE");
        }
    }

    /// <summary>
    /// An idle project gives up its schema cache, LISTEN connection and pool (the shared stack's workers evict after 8 s):
    /// a worker's connections follow the projects in use. Its next request loads the cache again.
    /// </summary>
    [Fact]
    public async Task IdleProject_ListenerStopsAfterTheIdlePeriod_AndComesBackOnUse()
    {
        var idle = await TestProject.CreateAsync(stack, "rest-cache-idle", setupSql: "CREATE TABLE public.items (id int); INSERT INTO public.items VALUES (1)");
        Assert.Equal(HttpStatusCode.OK, (await idle.GetAsync("/rest/v1/items")).Status);
        var listenerName = "madbase-schema-listener:" + idle.Ref;
        Task<long> Listeners() => idle.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", listenerName)!;

        Assert.True(await Eventually.TrueAsync(async () => await Listeners() > 0, TimeSpan.FromSeconds(10)), "a listener starts with the first request");
        Assert.True(await Eventually.TrueAsync(async () => await Listeners() == 0, TimeSpan.FromSeconds(30)), "the idle project's listener never stopped");
        // Its pool closes too (Worker__ProjectIdleSeconds, also 8 s here): Npgsql alone would keep idle connections 60 s.
        Assert.True(
            await Eventually.TrueAsync(async () => await idle.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", "madbase-worker:" + idle.Ref) == 0, TimeSpan.FromSeconds(30)),
            "the idle project's pool never closed");

        RestCalls.AssertJson(RestCalls.Json("""[{"id":1}]"""), (await idle.GetAsync("/rest/v1/items")).Json);
        Assert.True(await Eventually.TrueAsync(async () => await Listeners() > 0, TimeSpan.FromSeconds(10)), "the listener comes back with the next request");
    }

    /// <summary>A request straight to one worker, with the project header the gateway would set.</summary>
    private async Task<HttpStatusCode> GetFromWorkerAsync(string worker, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, worker + path);
        request.Headers.Add(ProjectHeaders.ProjectRef, project.Ref);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.ServiceRoleKey);
        using var response = await TestHttp.Client.SendAsync(request);
        return response.StatusCode;
    }
}
