using System.Diagnostics;
using System.Net;
using MadBase.Cli;
using MadBase.Cli.Supervision;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.LocalStack;

/// <summary>
/// One stack of its own (the shared one is left undisturbed) whose real processes are killed one at a
/// time: each comes back on its own port, its restart counted, while the others keep running.
/// </summary>
public sealed class SupervisionTests(StackFixture fixture) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private RunningStack Stack => fixture.Stack;

    public async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ProjectConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            CREATE TABLE IF NOT EXISTS public.supervised (id int PRIMARY KEY);
            INSERT INTO public.supervised VALUES (1) ON CONFLICT DO NOTHING;
            NOTIFY pgrst, 'reload schema';
            """,
            connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Worker_Sigkilled_IsRestartedOnItsPort_AndServesAgain()
    {
        ServiceProcess worker = Stack.Workers[0];
        Dictionary<string, int?> others = PidsExcept(worker.Name);

        int killed = Kill(worker.ProcessId);
        await WaitRestartedAsync(worker.Name, killed);

        // Its URL is the only one the gateway knows: the new process answers there.
        await WaitUntilOkAsync(new Uri(worker.Url, "health"));
        await AssertServesAsync();
        Assert.Equal(others, PidsExcept(worker.Name));
        Assert.Empty(ProcessEnvironment.MissingRuntimeSettings(worker.ProcessId!.Value));
    }

    [Fact]
    public void Services_RunWithTheServiceRuntimeSettings()
    {
        foreach (ServiceProcess service in Stack.Services)
        {
            Assert.NotNull(service.ProcessId);
            string[] missing = ProcessEnvironment.MissingRuntimeSettings(service.ProcessId.Value);
            Assert.True(missing is [], $"{service.Name} lacks {string.Join(", ", missing)}");
        }
    }

    [Fact]
    public async Task ControlAndGateway_Sigkilled_AreRestartedAndServeAgain()
    {
        Dictionary<string, int?> others = PidsExcept("control", "gateway");

        int control = Kill(Stack.Control.ProcessId);
        int gateway = Kill(Stack.Gateway.ProcessId);
        await WaitRestartedAsync("control", control);
        await WaitRestartedAsync("gateway", gateway);

        await WaitUntilOkAsync(new Uri(Stack.Control.Url, "health"));
        await AssertServesAsync();
        Assert.Equal(others, PidsExcept("control", "gateway"));
    }

    [Fact]
    public async Task Postgres_RestartedWithPgCtl_IsAdopted_ServesWithinSeconds_AndStopsWithTheStack()
    {
        Dictionary<string, int?> others = PidsExcept("postgres");
        int old = Stack.Postgres.ProcessId!.Value;

        // -w (the default): returns once the new postmaster accepts connections.
        await PgCtl.RunAsync(Stack.Postgres.DataDirectory, "restart", "-m", "fast");
        var accepting = Stopwatch.StartNew();
        await AssertServesAsync();
        TimeSpan serving = accepting.Elapsed;

        await WaitRestartedAsync("postgres", old);
        IServerProcess adopted = Assert.IsType<AdoptedProcess>(Stack.Postgres.Process);
        Assert.Equal(PostmasterPidFile.RunningPostmaster(Stack.Postgres.DataDirectory), adopted.Id);
        Assert.True(serving < TimeSpan.FromSeconds(10), $"serving again {serving.TotalSeconds:0.0} s after Postgres accepted connections");

        // What stopping the stack does to it: stopped like our own, or the next start would find it running.
        await Stack.Postgres.StopAsync();
        Assert.True(adopted.HasExited);
        Assert.Null(PostmasterPidFile.RunningPostmaster(Stack.Postgres.DataDirectory));
        await Stack.Postgres.StartAsync(CancellationToken.None);
        await AssertServesAsync();
        Assert.Equal(others, PidsExcept("postgres"));
    }

    [Fact]
    public async Task Redis_Killed_IsRestarted()
    {
        RedisServer redis = Stack.Redis ?? throw new InvalidOperationException("redis-server is not installed: apt-get install -y redis-server");
        Dictionary<string, int?> others = PidsExcept("redis");

        int killed = Kill(redis.Process.Id);
        await WaitRestartedAsync("redis", killed);

        Assert.True(await RedisServer.PingAsync(redis.Port, CancellationToken.None));
        await AssertServesAsync();
        Assert.Equal(others, PidsExcept("redis"));
    }

    private static int Kill(int? pid)
    {
        Assert.NotNull(pid);
        Assert.Equal(0, NativeMethods.Kill(pid.Value, NativeMethods.SigKill));
        return pid.Value;
    }

    private static async Task WaitUntilOkAsync(Uri url)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            try
            {
                using HttpResponseMessage response = await TestHttp.Client.GetAsync(url, timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private Dictionary<string, int?> PidsExcept(params string[] names)
    {
        (string Name, int? Pid)[] all =
        [
            ("postgres", Stack.Postgres.ProcessId), ("redis", Stack.Redis?.Process.Id),
            .. Stack.Services.Select(service => (service.Name, service.ProcessId)),
        ];
        return all.Where(server => !names.Contains(server.Name)).ToDictionary(server => server.Name, server => server.Pid);
    }

    private async Task WaitRestartedAsync(string name, int killed)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        ServerStatus status = Stack.ServerStatus.Single(server => server.Name == name);
        while (status is not { State: ServerState.Running, Restarts: > 0 } || status.Pid == killed)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} was not restarted: {status}");
            await Task.Delay(100);
            status = Stack.ServerStatus.Single(server => server.Name == name);
        }

        // One kill, one restart: the first attempt brought it back.
        Assert.Equal(1, status.Restarts);
    }

    /// <summary>A REST read through the gateway (Postgres, a worker and the gateway) answers, several times in a row.</summary>
    private async Task AssertServesAsync()
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        int inARow = 0;
        string last = "nothing yet";
        while (inARow < 10)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the stack does not serve: {last}");
            using var request = new HttpRequestMessage(HttpMethod.Get, fixture.ApiUrl + "/rest/v1/supervised?select=id");
            request.Headers.Add("apikey", fixture.ServiceRoleKey);
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                using HttpResponseMessage response = await TestHttp.Client.SendAsync(request, limit.Token);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                inARow = response.StatusCode == HttpStatusCode.OK ? inARow + 1 : 0;
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
                inARow = 0;
            }

            if (inARow == 0)
            {
                await Task.Delay(100);
            }
        }
    }
}
