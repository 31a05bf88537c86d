using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Rest;
using MadBase.Tests.Stack;
using Npgsql;

namespace MadBase.Tests.Realtime;

/// <summary>
/// postgres_changes over real sockets against the two-worker stack: each event and filter, every row checked
/// against the subscriber's RLS and column privileges, a subscriber on one worker served by the slot holder on
/// the other, the holder killed with no committed change lost, and the slot dropped with its project.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class PostgresChangesTests(SecondStackFixture stack)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private const string Schema = """
        CREATE TABLE public.items (id int PRIMARY KEY, n int, label text);
        ALTER TABLE public.items REPLICA IDENTITY FULL;
        CREATE TABLE public.notes (id bigint PRIMARY KEY, owner uuid, title text, secret text);
        ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own ON public.notes FOR SELECT TO authenticated USING (owner = auth.uid());
        CREATE POLICY published ON public.notes FOR SELECT TO anon USING (title = 'public');
        REVOKE SELECT ON public.notes FROM authenticated;
        GRANT SELECT (id, owner, title) ON public.notes TO authenticated;
        ALTER PUBLICATION supabase_realtime ADD TABLE public.items, public.notes;
        """;

    [Fact]
    public async Task Changes_EachEventAndFilterOperator_ReachTheBindingsTheyMatch()
    {
        var project = await TestProject.SharedAsync(stack, "rt-changes", Schema);
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0");
        string[] filters = ["n=eq.5", "n=neq.5", "n=lt.5", "n=lte.5", "n=gt.5", "n=gte.5", "n=in.(1,7)"];
        var reply = await client.JoinChangesAsync(
            "items", project.ServiceRoleKey,
            [new { @event = "*", schema = "public", table = "items" }, .. filters.Select(f => new { @event = "INSERT", schema = "public", table = "items", filter = f })]);
        Assert.True(reply["status"]!.GetValue<string>() == "ok", reply.ToJsonString());
        var ids = reply["response"]!["postgres_changes"]!.AsArray().Select(b => b!["id"]!.GetValue<int>()).ToArray();
        await WaitForSubscriptionAsync(client);

        await project.ExecuteAsync("INSERT INTO public.items VALUES (1, 1, 'one'), (5, 5, 'five'), (7, 7, 'seven')");
        var inserts = await client.ChangesAsync(Patience, stopAfter: 3);
        Assert.Equal(3, inserts.Count);
        int[][] expected =
        [
            [ids[0], ids[2], ids[3], ids[4], ids[7]], // n = 1: neq, lt, lte, in
            [ids[0], ids[1], ids[4], ids[6]], // n = 5: eq, lte, gte
            [ids[0], ids[2], ids[5], ids[6], ids[7]], // n = 7: neq, gt, gte, in
        ];
        foreach (var (change, want) in inserts.OrderBy(c => c["data"]!["record"]!["id"]!.GetValue<int>()).Zip(expected))
        {
            Assert.Equal(want.Order(), change["ids"]!.AsArray().Select(i => i!.GetValue<int>()).Order());
            var data = change["data"]!;
            Assert.Equal("INSERT", data["type"]!.GetValue<string>());
            Assert.Equal("public", data["schema"]!.GetValue<string>());
            Assert.Equal("items", data["table"]!.GetValue<string>());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", data["commit_timestamp"]!.GetValue<string>());
            Assert.Equal(["id:int4", "n:int4", "label:text"], data["columns"]!.AsArray().Select(c => $"{c!["name"]}:{c["type"]}"));
            Assert.Equal("Number", JsonValueKind(data["record"]!["n"]!));
            Assert.Null(data["errors"]);
        }

        await project.ExecuteAsync("UPDATE public.items SET label = 'FIVE' WHERE id = 5; DELETE FROM public.items WHERE id = 1");
        var rest = await client.ChangesAsync(Patience, stopAfter: 2);
        Assert.Equal(2, rest.Count);
        var update = rest[0]["data"]!;
        Assert.Equal("UPDATE", update["type"]!.GetValue<string>());
        Assert.Equal("FIVE", update["record"]!["label"]!.GetValue<string>());
        // REPLICA IDENTITY FULL: the whole old row.
        Assert.Equal("five", update["old_record"]!["label"]!.GetValue<string>());
        Assert.Equal([ids[0]], rest[0]["ids"]!.AsArray().Select(i => i!.GetValue<int>()));
        var delete = rest[1]["data"]!;
        Assert.Equal("DELETE", delete["type"]!.GetValue<string>());
        Assert.Equal(1, delete["old_record"]!["id"]!.GetValue<int>());
        Assert.Equal("one", delete["old_record"]!["label"]!.GetValue<string>());
        Assert.Null(delete["record"]);
    }

    [Theory]
    [InlineData("nope", null, "table public.nope does not exist")]
    [InlineData("items", "nope=eq.1", "column nope does not exist")]
    [InlineData("items", "n=eq.abc", "invalid filter value abc")]
    public async Task Join_UnknownTableColumnOrBadValue_IsRefusedWithTheReason(string table, string? filter, string reason)
    {
        var project = await TestProject.SharedAsync(stack, "rt-changes", Schema);
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0");
        var reply = await client.JoinChangesAsync("bad", project.ServiceRoleKey, new { @event = "*", schema = "public", table, filter });
        Assert.Equal("error", reply["status"]!.GetValue<string>());
        Assert.Contains(reason, reply.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rls_TwoUsersAnonAndServiceRole_EachGetOnlyRowsAndColumnsTheyMaySelect()
    {
        var project = await TestProject.SharedAsync(stack, "rt-changes", Schema);
        Guid alice = Guid.NewGuid(), bob = Guid.NewGuid();
        var binding = new { @event = "*", schema = "public", table = "notes" };
        var sockets = new Dictionary<string, PhoenixClient>();
        try
        {
            foreach (var (name, token) in new[] { ("alice", project.UserToken(alice)), ("bob", project.UserToken(bob)), ("anon", project.AnonKey), ("service", project.ServiceRoleKey) })
            {
                var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0");
                sockets[name] = client;
                Assert.Equal("ok", (await client.JoinChangesAsync("notes-" + name, token, binding))["status"]!.GetValue<string>());
                await WaitForSubscriptionAsync(client);
            }

            // The check reads the row as it is when the change arrives (as WALRUS does): the delete comes after.
            await project.ExecuteAsync($"""
                INSERT INTO public.notes VALUES (101, '{alice}', 'mine', 's1');
                INSERT INTO public.notes VALUES (102, '{bob}', 'public', 's2');
                """);
            var seen = new Dictionary<string, List<JsonObject>>();
            foreach (var (name, client) in sockets)
            {
                seen[name] = await client.ChangesAsync(TimeSpan.FromSeconds(name == "service" ? 20 : 6), stopAfter: name == "service" ? 2 : null);
            }

            await project.ExecuteAsync("DELETE FROM public.notes WHERE id = 101");
            foreach (var (name, client) in sockets)
            {
                seen[name].AddRange(await client.ChangesAsync(Patience, stopAfter: 1));
            }

            // Alice: her row, without the column she may not select; Bob's row is not hers.
            var aliceInsert = Assert.Single(seen["alice"], c => c["data"]!["type"]!.GetValue<string>() == "INSERT")["data"]!;
            Assert.Equal(101, aliceInsert["record"]!["id"]!.GetValue<int>());
            Assert.Null(aliceInsert["record"]!["secret"]);
            Assert.DoesNotContain(aliceInsert["columns"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "secret");
            var bobInsert = Assert.Single(seen["bob"], c => c["data"]!["type"]!.GetValue<string>() == "INSERT")["data"]!;
            Assert.Equal(102, bobInsert["record"]!["id"]!.GetValue<int>());
            // anon: the published row only, with every column (anon keeps its table grant).
            var anonInsert = Assert.Single(seen["anon"], c => c["data"]!["type"]!.GetValue<string>() == "INSERT")["data"]!;
            Assert.Equal("s2", anonInsert["record"]!["secret"]!.GetValue<string>());
            // service_role bypasses RLS: both rows, and the delete.
            Assert.Equal(["INSERT", "INSERT", "DELETE"], seen["service"].Select(c => c["data"]!["type"]!.GetValue<string>()));
            Assert.Equal("s1", seen["service"][0]["data"]!["record"]!["secret"]!.GetValue<string>());

            // A DELETE cannot be checked against RLS: everyone subscribed gets it, with the key only.
            foreach (var name in sockets.Keys)
            {
                var delete = Assert.Single(seen[name], c => c["data"]!["type"]!.GetValue<string>() == "DELETE")["data"]!;
                Assert.Equal(["id"], delete["old_record"]!.AsObject().Select(p => p.Key));
            }
        }
        finally
        {
            foreach (var client in sockets.Values)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Update_ReplicaIdentityFullWithAnUnchangedToastedValue_KeepsItInNewAndOld_AndTruncateIsNotDelivered()
    {
        var project = await TestProject.SharedAsync(stack, "rt-changes", Schema);
        // body is stored out of line (EXTERNAL, 6,400 bytes): an UPDATE of n leaves it unchanged in TOAST.
        await project.ExecuteAsync("""
            CREATE TABLE public.docs (id int PRIMARY KEY, n int, body text);
            ALTER TABLE public.docs REPLICA IDENTITY FULL;
            ALTER TABLE public.docs ALTER COLUMN body SET STORAGE EXTERNAL;
            ALTER PUBLICATION supabase_realtime ADD TABLE public.docs;
            INSERT INTO public.docs SELECT 1, 0, string_agg(md5(i::text), '') FROM generate_series(1, 200) i;
            """);
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0");
        Assert.Equal("ok", (await client.JoinChangesAsync("docs", project.ServiceRoleKey, new { @event = "*", schema = "public", table = "docs" }))["status"]!.GetValue<string>());
        await WaitForSubscriptionAsync(client);

        await project.ExecuteAsync("UPDATE public.docs SET n = 1 WHERE id = 1");
        // The shared project's slot may be older than the table: then its insert comes first.
        var update = ChangeData(await client.ExpectAsync(f => f.Event == "postgres_changes" && ChangeType(f) == "UPDATE", Patience));
        Assert.Equal(1, update["record"]!["n"]!.GetValue<int>());
        Assert.Equal(0, update["old_record"]!["n"]!.GetValue<int>());
        var body = update["record"]!["body"]!.GetValue<string>();
        Assert.Equal(6400, body.Length);
        Assert.StartsWith("c4ca4238a0b923820dcc509a6f75849b", body, StringComparison.Ordinal); // md5('1')
        Assert.Equal(body, update["old_record"]!["body"]!.GetValue<string>());

        // As Supabase's server, TRUNCATE is not a postgres_changes event: the next change is the insert after it.
        // Changes of row 1 (its insert, when the slot is older than the table, or a redelivery: delivery is at least
        // once) are passed over; anything else, a TRUNCATE event included, is what comes next.
        await project.ExecuteAsync("TRUNCATE public.docs; INSERT INTO public.docs VALUES (2, 2, 'short')");
        var next = ChangeData(await client.ExpectAsync(f => f.Event == "postgres_changes" && RecordId(f) != 1, Patience));
        Assert.Equal("INSERT", next["type"]!.GetValue<string>());
        Assert.Equal(2, next["record"]!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Access_ColumnGrantsAndRlsChangedWhileSubscribed_ApplyFromTheNextChange()
    {
        var project = await TestProject.SharedAsync(stack, "rt-changes", Schema);
        await project.ExecuteAsync("""
            CREATE TABLE public.memos (id int PRIMARY KEY, owner uuid, body text);
            GRANT SELECT ON public.memos TO authenticated;
            ALTER PUBLICATION supabase_realtime ADD TABLE public.memos;
            """);
        Guid alice = Guid.NewGuid(), bob = Guid.NewGuid();
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0");
        Assert.Equal("ok", (await client.JoinChangesAsync("memos", project.UserToken(alice), new { @event = "INSERT", schema = "public", table = "memos" }))["status"]!.GetValue<string>());
        await WaitForSubscriptionAsync(client);

        // The first change reads (and caches) what alice's role may see of the table: every column, no RLS.
        await project.ExecuteAsync($"INSERT INTO public.memos VALUES (1, '{bob}', 'one')");
        var first = Assert.Single(await client.ChangesAsync(Patience, stopAfter: 1))["data"]!;
        Assert.Equal("one", first["record"]!["body"]!.GetValue<string>());

        await project.ExecuteAsync("REVOKE SELECT ON public.memos FROM authenticated; GRANT SELECT (id, owner) ON public.memos TO authenticated");
        await project.ExecuteAsync($"INSERT INTO public.memos VALUES (2, '{bob}', 'two')");
        var second = Assert.Single(await client.ChangesAsync(Patience, stopAfter: 1))["data"]!;
        Assert.Equal(2, second["record"]!["id"]!.GetValue<int>());
        Assert.Null(second["record"]!["body"]);
        Assert.DoesNotContain(second["columns"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "body");

        // RLS turned on: bob's row is not alice's; hers, committed after it, is the next change she gets.
        await project.ExecuteAsync("ALTER TABLE public.memos ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON public.memos FOR SELECT TO authenticated USING (owner = auth.uid())");
        await project.ExecuteAsync($"INSERT INTO public.memos VALUES (3, '{bob}', 'three')");
        await project.ExecuteAsync($"INSERT INTO public.memos VALUES (4, '{alice}', 'four')");
        var third = Assert.Single(await client.ChangesAsync(Patience, stopAfter: 1))["data"]!;
        Assert.Equal(4, third["record"]!["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task Rls_CompositeKeyOfOtherTypesNamedLikeTheCheckColumns_DeliversOnlyTheSubscribersRows()
    {
        var project = await TestProject.SharedAsync(stack, "rt-changes", Schema);
        // The row check looks keys up as k0, k1 beside the change's index i: key columns with those very names, of
        // text and uuid types, must still be compared column to column.
        await project.ExecuteAsync("""
            CREATE TABLE public.pairs (i text, k0 uuid, owner uuid, body text, PRIMARY KEY (k0, i));
            GRANT SELECT ON public.pairs TO authenticated;
            ALTER TABLE public.pairs ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own ON public.pairs FOR SELECT TO authenticated USING (owner = auth.uid());
            ALTER PUBLICATION supabase_realtime ADD TABLE public.pairs;
            """);
        Guid alice = Guid.NewGuid(), bob = Guid.NewGuid(), key = Guid.NewGuid();
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0");
        Assert.Equal("ok", (await client.JoinChangesAsync("pairs", project.UserToken(alice), new { @event = "*", schema = "public", table = "pairs" }))["status"]!.GetValue<string>());
        await WaitForSubscriptionAsync(client);

        // Bob's row shares alice's k0 and differs only in i: a lookup by part of the key would let it through.
        await project.ExecuteAsync($"""
            INSERT INTO public.pairs VALUES ('bob''s', '{key}', '{bob}', 'not hers');
            INSERT INTO public.pairs VALUES ('alice''s', '{key}', '{alice}', 'hers');
            UPDATE public.pairs SET body = 'still not hers' WHERE i = 'bob''s';
            UPDATE public.pairs SET body = 'hers again' WHERE i = 'alice''s';
            """);
        var changes = await client.ChangesAsync(Patience, stopAfter: 2);
        Assert.Equal(["hers", "hers again"], changes.Select(c => c["data"]!["record"]!["body"]!.GetValue<string>()));
        Assert.All(changes, c => Assert.Equal("alice's", c["data"]!["record"]!["i"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Failover_SubscriberOnOneWorker_GetsEveryChangeWhileTheHolderIsKilled()
    {
        var project = await TestProject.CreateAsync(stack, "rt-failover", setupSql: "CREATE TABLE public.ticks (id int PRIMARY KEY); ALTER PUBLICATION supabase_realtime ADD TABLE public.ticks;");
        var workers = stack.Stack.Workers;
        var binding = new { @event = "INSERT", schema = "public", table = "ticks" };
        var clients = new List<PhoenixClient>();
        try
        {
            foreach (var worker in workers)
            {
                var client = await PhoenixClient.ToWorkerAsync(worker.Url.ToString().TrimEnd('/'), project.Ref, project.AnonKey, "1.0.0");
                clients.Add(client);
                Assert.Equal("ok", (await client.JoinChangesAsync("ticks", project.ServiceRoleKey, binding))["status"]!.GetValue<string>());
                await WaitForSubscriptionAsync(client);
            }

            var holderPid = await WaitForHolderAsync(project);
            var holder = workers.Single(w => w.ProcessId == holderPid);
            var survivor = clients[workers.ToList().FindIndex(w => w.ProcessId != holderPid)];

            // Served by the holder on the other worker, through Redis.
            await project.ExecuteAsync("INSERT INTO public.ticks VALUES (0)");
            Assert.Single(await survivor.ChangesAsync(Patience, stopAfter: 1));

            var writer = Task.Run(async () =>
            {
                for (var i = 1; i <= 40; i++)
                {
                    await project.ExecuteAsync($"INSERT INTO public.ticks VALUES ({i})");
                    await Task.Delay(50);
                }
            });
            await Task.Delay(500);
            Assert.Equal(0, NativeMethods.Kill(holderPid, NativeMethods.SigKill));
            await writer;

            var received = new HashSet<int>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (received.Count < 40 && DateTime.UtcNow < deadline)
            {
                foreach (var change in await survivor.ChangesAsync(TimeSpan.FromSeconds(2)))
                {
                    received.Add(change["data"]!["record"]!["id"]!.GetValue<int>());
                }
            }

            Assert.Equal(Enumerable.Range(1, 40), received.Where(i => i > 0).Order());
            Assert.NotEqual(holderPid, await WaitForHolderAsync(project));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            foreach (var worker in workers.Where(w => !w.IsRunning))
            {
                await worker.StartAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task SlotSweep_HolderKilledWithTheLastSubscriber_DropsTheSlotItLeft()
    {
        var project = await TestProject.CreateAsync(stack, "rt-sweep", setupSql: "CREATE TABLE public.t (id int PRIMARY KEY); ALTER PUBLICATION supabase_realtime ADD TABLE public.t;");
        using var directory = TempDirectory.Create("rts");
        var holder = await ExtraWorker.StartAsync(stack, directory, "realtime-slot-holder", new Dictionary<string, string?>());
        try
        {
            await using var client = await PhoenixClient.ToWorkerAsync(holder.Url.ToString().TrimEnd('/'), project.Ref, project.AnonKey, "1.0.0");
            Assert.Equal("ok", (await client.JoinChangesAsync("t", project.ServiceRoleKey, new { @event = "*", schema = "public", table = "t" }))["status"]!.GetValue<string>());
            Assert.Equal(holder.ProcessId, await WaitForHolderAsync(project));
            Assert.Equal(0, NativeMethods.Kill(holder.ProcessId!.Value, NativeMethods.SigKill));

            // The stack's workers serve the project (these requests make sure) and sweep every 2 s (StackFixture).
            foreach (var _ in stack.Stack.Workers)
            {
                await project.GetAsync("/rest/v1/t");
            }

            await using var system = new NpgsqlConnection(stack.SystemConnectionString);
            await system.OpenAsync();
            var deadline = DateTime.UtcNow + Patience;
            long left;
            do
            {
                await Task.Delay(250);
                await using var slots = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", system);
                slots.Parameters.AddWithValue("madbase_realtime_" + project.Ref);
                left = (long)(await slots.ExecuteScalarAsync())!;
            }
            while (left > 0 && DateTime.UtcNow < deadline);

            Assert.Equal(0L, left);
        }
        finally
        {
            await holder.DisposeAsync();
        }
    }

    [Fact]
    public async Task ProjectDeletion_WhileTheSlotIsStreamed_DropsTheSlotWithTheDatabase()
    {
        var project = await TestProject.CreateAsync(stack, "rt-delete", setupSql: "CREATE TABLE public.t (id int PRIMARY KEY); ALTER PUBLICATION supabase_realtime ADD TABLE public.t;");
        await using (var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey, "1.0.0"))
        {
            Assert.Equal("ok", (await client.JoinChangesAsync("t", project.ServiceRoleKey, new { @event = "*", schema = "public", table = "t" }))["status"]!.GetValue<string>());
            await WaitForHolderAsync(project);

            using var request = new HttpRequestMessage(HttpMethod.Delete, stack.AdminUrl + "/projects/" + project.Ref + "?confirm=" + project.Ref);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        await using var system = new NpgsqlConnection(stack.SystemConnectionString);
        await system.OpenAsync();
        await using var slots = new NpgsqlCommand("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", system);
        slots.Parameters.AddWithValue("madbase_realtime_" + project.Ref);
        Assert.Equal(0L, await slots.ExecuteScalarAsync());
    }

    private static string JsonValueKind(JsonNode node) => node.GetValueKind().ToString();

    private static JsonNode ChangeData(PhoenixFrame frame) => JsonObject.Create(frame.Payload)!["data"]!;

    private static string? ChangeType(PhoenixFrame frame) =>
        frame.Payload.TryGetProperty("data", out var data) && data.TryGetProperty("type", out var type) ? type.GetString() : null;

    private static int? RecordId(PhoenixFrame frame) =>
        frame.Payload.TryGetProperty("data", out var data) && data.TryGetProperty("record", out var record)
            && record.ValueKind == System.Text.Json.JsonValueKind.Object && record.TryGetProperty("id", out var id)
            && id.ValueKind == System.Text.Json.JsonValueKind.Number ? id.GetInt32() : null;

    /// <summary>realtime-js waits for the server's "Subscribed to PostgreSQL" system message before it reports SUBSCRIBED.</summary>
    private static async Task WaitForSubscriptionAsync(PhoenixClient client) =>
        await client.ExpectAsync(f => f.Event == "system" && f.Payload.TryGetProperty("extension", out var extension) && extension.GetString() == "postgres_changes", Patience);

    /// <summary>The pid of the worker whose walsender streams the project's slot (its application_name says).</summary>
    private async Task<int> WaitForHolderAsync(TestProject project)
    {
        await using var system = new NpgsqlConnection(stack.SystemConnectionString);
        await system.OpenAsync();
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await using var find = new NpgsqlCommand(
                """
                SELECT a.application_name FROM pg_replication_slots s JOIN pg_stat_activity a ON a.pid = s.active_pid
                WHERE s.slot_name = $1
                """, system);
            find.Parameters.AddWithValue("madbase_realtime_" + project.Ref);
            if (await find.ExecuteScalarAsync() is string name && name.StartsWith("madbase-realtime:", StringComparison.Ordinal))
            {
                return int.Parse(name["madbase-realtime:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.True(DateTime.UtcNow < deadline, "no worker streams the slot");
            await Task.Delay(200);
        }
    }
}
