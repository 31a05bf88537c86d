using System.Net;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Worker;

/// <summary>
/// Worker__MaxConnections bounds what a worker's project pools hold together (the shared stack's workers: 30 each),
/// however many projects are busy at once: requests beyond it wait for a connection instead of opening more.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ConnectionBudgetTests(StackFixture stack)
{
    private const int CapPerWorker = 30;
    private const int Workers = 2;

    [Fact]
    public async Task ManyBusyProjects_PoolConnectionsStayWithinTheWorkersCaps_AndEveryRequestIsServed()
    {
        // Four projects whose pools may each take 20 connections per worker: 80 requests at once want ~80
        // connections, more than the two workers' 60 together.
        const string setup = """
            CREATE FUNCTION public.nap() RETURNS int LANGUAGE sql AS $$ SELECT 1 FROM pg_sleep(0.4) $$;
            GRANT EXECUTE ON FUNCTION public.nap() TO anon;
            """;
        var projects = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => TestProject.CreateAsync(stack, $"budget {i}", setupSql: setup)));
        await Task.WhenAll(projects.Select(async p => Assert.Equal(HttpStatusCode.OK, (await p.SendAsync(HttpMethod.Post, "/rest/v1/rpc/nap", "{}")).Status)));

        await using var system = NpgsqlDataSource.Create(stack.SystemConnectionString);
        using var stop = new CancellationTokenSource();
        var most = 0L;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var count = system.CreateCommand(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'madbase-worker:%'");
                most = Math.Max(most, (long)(await count.ExecuteScalarAsync())!);
                await Task.Delay(25);
            }
        });

        var answers = await Task.WhenAll(Enumerable.Range(0, 80).Select(i => projects[i % projects.Length].SendAsync(HttpMethod.Post, "/rest/v1/rpc/nap", "{}")));
        await stop.CancelAsync();
        await watcher;

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.InRange(most, 1, CapPerWorker * Workers);
    }
}
