using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MadBase.Cli;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;
using MadBase.Tests.Rest;
using MadBase.Tests.Stack;

namespace MadBase.Tests.Realtime;

/// <summary>
/// Realtime over real WebSockets against the two-worker stack with Redis: the Phoenix protocol, broadcast
/// and presence across workers, messages from SQL, private channels under RLS, and bad input.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class RealtimeSocketTests(SecondStackFixture stack)
{
    private const string Setup = """
        CREATE POLICY "read allowed" ON realtime.messages FOR SELECT TO authenticated
            USING (realtime.topic() = 'allowed' AND extension IN ('broadcast', 'presence'));
        CREATE POLICY "write allowed" ON realtime.messages FOR INSERT TO authenticated
            WITH CHECK (realtime.topic() = 'allowed' AND extension = 'broadcast');
        """;

    private Task<TestProject> ProjectAsync() => TestProject.SharedAsync(stack, "realtime", Setup);

    private string Worker(int i) => stack.Stack.WorkerUrls[i];

    [Fact]
    public async Task Heartbeat_JoinLeave_FollowPhoenix()
    {
        var project = await ProjectAsync();
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey);

        var heartbeat = await client.PushAsync(null, "phoenix", "heartbeat", new { });
        var reply = await client.ExpectAsync(f => f.Ref == heartbeat);
        Assert.Equal(("phoenix", "phx_reply", "ok"), (reply.Topic, reply.Event, reply.Status));

        var (join, joinRef) = await client.JoinAsync("lobby");
        Assert.Equal("ok", join.Status);
        Assert.Equal(JsonValueKind.Array, join.Payload.GetProperty("response").GetProperty("postgres_changes").ValueKind);

        var leave = await client.PushAsync(joinRef, "realtime:lobby", "phx_leave", new { });
        Assert.Equal("ok", (await client.ExpectAsync(f => f.Ref == leave)).Status);
        await client.ExpectAsync(f => f.Event == "phx_close" && f.Topic == "realtime:lobby");

        // Left: the topic is no longer joined.
        var after = await client.PushAsync(joinRef, "realtime:lobby", "broadcast", new { type = "broadcast", @event = "x", payload = new { } });
        Assert.Equal("unmatched topic", (await client.ExpectAsync(f => f.Ref == after)).Reason);
    }

    [Fact]
    public async Task Broadcast_SentOnWorkerB_ReachesSubscriberOnWorkerA_WithSelfAndAck()
    {
        var project = await ProjectAsync();
        await using var subscriber = await PhoenixClient.ToWorkerAsync(Worker(0), project.Ref, project.AnonKey);
        await using var sender = await PhoenixClient.ToWorkerAsync(Worker(1), project.Ref, project.AnonKey);
        Assert.Equal("ok", (await subscriber.JoinAsync("room-ab")).Reply.Status);
        var (join, joinRef) = await sender.JoinAsync("room-ab", new { broadcast = new { self = true, ack = true }, presence = new { key = "", enabled = false }, @private = false });
        Assert.Equal("ok", join.Status);

        var sent = await sender.BroadcastBinaryAsync(joinRef, "realtime:room-ab", "cursor", new { x = 7 });
        Assert.Equal("ok", (await sender.ExpectAsync(f => f.Ref == sent)).Status);
        var own = await sender.ExpectAsync(f => f.Event == "broadcast");
        Assert.Equal(7, own.Payload.GetProperty("payload").GetProperty("x").GetInt32());

        var got = await subscriber.ExpectAsync(f => f.Event == "broadcast");
        Assert.Equal("realtime:room-ab", got.Topic);
        Assert.Equal("cursor", got.Payload.GetProperty("event").GetString());
        Assert.Equal(7, got.Payload.GetProperty("payload").GetProperty("x").GetInt32());
    }

    [Fact]
    public async Task Broadcast_WithoutSelf_DoesNotEchoToSender()
    {
        var project = await ProjectAsync();
        await using var sender = await PhoenixClient.ToWorkerAsync(Worker(0), project.Ref, project.AnonKey);
        var (_, joinRef) = await sender.JoinAsync("room-noself");
        await sender.PushAsync(joinRef, "realtime:room-noself", "broadcast", new { type = "broadcast", @event = "e", payload = new { a = 1 } });
        Assert.False(await sender.ReceivesAsync(f => f.Event == "broadcast", 1000));
    }

    [Fact]
    public async Task RestBroadcast_AndRealtimeSendFromSql_ReachSubscribers()
    {
        var project = await ProjectAsync();
        await using var subscriber = await PhoenixClient.ToWorkerAsync(Worker(1), project.Ref, project.AnonKey);
        Assert.Equal("ok", (await subscriber.JoinAsync("news")).Reply.Status);

        using var request = TestHttp.WithKey(HttpMethod.Post, stack.ApiUrl + "/realtime/v1/api/broadcast", project.AnonKey);
        request.Content = JsonContent.Create(new { messages = new[] { new { topic = "news", @event = "headline", payload = new { n = 1 } } } });
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rest = await subscriber.ExpectAsync(f => f.Event == "broadcast");
        Assert.Equal("headline", rest.Payload.GetProperty("event").GetString());

        await project.ExecuteAsync("SELECT realtime.send('{\"n\": 2}'::jsonb, 'from-sql', 'news', false)");
        var fromSql = await subscriber.ExpectAsync(f => f.Event == "broadcast");
        Assert.Equal("from-sql", fromSql.Payload.GetProperty("event").GetString());
        Assert.Equal(2, fromSql.Payload.GetProperty("payload").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Presence_AcrossWorkers_SyncJoinAndLeaveOnSocketLoss()
    {
        var project = await ProjectAsync();
        var presence = new { broadcast = new { self = false, ack = false }, presence = new { key = "", enabled = true }, @private = false };
        await using var alice = await PhoenixClient.ToWorkerAsync(Worker(0), project.Ref, project.AnonKey);
        var (aliceJoin, aliceRef) = await alice.JoinAsync("presence-room", presence);
        Assert.Equal("ok", aliceJoin.Status);
        await alice.ExpectAsync(f => f.Event == "presence_state");
        var tracked = await alice.PushAsync(aliceRef, "realtime:presence-room", "presence", new { type = "presence", @event = "track", payload = new { user = "alice" } });
        Assert.Equal("ok", (await alice.ExpectAsync(f => f.Ref == tracked)).Status);

        var bob = await PhoenixClient.ToWorkerAsync(Worker(1), project.Ref, project.AnonKey);
        var (_, bobRef) = await bob.JoinAsync("presence-room", presence);
        var state = await bob.ExpectAsync(f => f.Event == "presence_state");
        var metas = state.Payload.EnumerateObject().Single().Value.GetProperty("metas");
        Assert.Equal("alice", metas[0].GetProperty("user").GetString());
        Assert.True(metas[0].TryGetProperty("phx_ref", out _));

        await bob.PushAsync(bobRef, "realtime:presence-room", "presence", new { type = "presence", @event = "track", payload = new { user = "bob" } });
        await alice.ExpectAsync(f => f.Event == "presence_diff" && Users(f, "joins").Contains("bob"));

        await bob.DisposeAsync();
        var left = await alice.ExpectAsync(f => f.Event == "presence_diff" && Users(f, "leaves").Contains("bob"));
        Assert.Empty(Users(left, "joins"));
    }

    [Fact]
    public async Task Presence_WorkerKilled_ItsPresencesLeaveTheOthersWithinItsHeartbeatTimeout()
    {
        var project = await ProjectAsync();
        Assert.NotNull(stack.Stack.RedisConnectionString);
        using var directory = TempDirectory.Create("rtk");
        // Its liveness key in Redis lasts its heartbeat timeout: 2 s.
        var victim = await ExtraWorker.StartAsync(stack, directory, "realtime-killed", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = stack.Stack.RedisConnectionString,
            ["Realtime__HeartbeatTimeoutSeconds"] = "2",
        });
        try
        {
            var presence = new { broadcast = new { self = false, ack = false }, presence = new { key = "", enabled = true }, @private = false };
            await using var watcher = await PhoenixClient.ToWorkerAsync(Worker(0), project.Ref, project.AnonKey);
            Assert.Equal("ok", (await watcher.JoinAsync("presence-killed", presence)).Reply.Status);
            await watcher.ExpectAsync(f => f.Event == "presence_state");

            await using var doomed = await PhoenixClient.ToWorkerAsync(victim.Url.ToString().TrimEnd('/'), project.Ref, project.AnonKey);
            var (_, doomedRef) = await doomed.JoinAsync("presence-killed", presence);
            await doomed.PushAsync(doomedRef, "realtime:presence-killed", "presence", new { type = "presence", @event = "track", payload = new { user = "carol" } });
            await watcher.ExpectAsync(f => f.Event == "presence_diff" && Users(f, "joins").Contains("carol"));

            // No close, no leave sent by the victim: the survivors' sweep (at most every 5 s) finds its key expired.
            var killed = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, NativeMethods.Kill(victim.ProcessId!.Value, NativeMethods.SigKill));
            var left = await watcher.ExpectAsync(f => f.Event == "presence_diff" && Users(f, "leaves").Contains("carol"), seconds: 15);
            Assert.Empty(Users(left, "joins"));
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(2 + 5 + 3), $"left after {killed.Elapsed}");
        }
        finally
        {
            await victim.DisposeAsync();
        }
    }

    [Fact]
    public async Task Messages_OlderThanThreeDays_ArePrunedOnceAWorkerListensOnTheProject()
    {
        // A project of its own: no worker listens on it yet, so the first join starts the listener and its pruning.
        var project = await TestProject.CreateAsync(stack, "rt-prune", setupSql: "SELECT 1");
        await project.ExecuteAsync("""
            INSERT INTO realtime.messages (topic, extension, payload, inserted_at) VALUES
                ('stale', 'broadcast', '{}', now() - interval '4 days'),
                ('kept', 'broadcast', '{}', now() - interval '2 days');
            """);
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey);
        Assert.Equal("ok", (await client.JoinAsync("prune")).Reply.Status);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string topics;
        while ((topics = (await project.QueryJsonAsync("SELECT topic FROM realtime.messages ORDER BY topic")).ToJsonString()) != """[{"topic":"kept"}]"""
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal("""[{"topic":"kept"}]""", topics);
    }

    [Fact]
    public async Task JoinsPerSecond_AreCountedPerProjectAcrossWorkers()
    {
        var project = await ProjectAsync();
        using var directory = TempDirectory.Create("rtj");
        // Allows 3 joins a second; the stack's worker counts its own joins in Redis too.
        var small = await ExtraWorker.StartAsync(stack, directory, "realtime-joins", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = stack.Stack.RedisConnectionString,
            ["Realtime__MaxJoinsPerSecond"] = "3",
        });
        try
        {
            await using var busy = await PhoenixClient.ToWorkerAsync(Worker(0), project.Ref, project.AnonKey);
            await using var client = await PhoenixClient.ToWorkerAsync(small.Url.ToString().TrimEnd('/'), project.Ref, project.AnonKey);
            // Within one second: 3 joins on the other worker, then this one's first may pass (it learns the
            // others' count from its own first increment), and its second must not. A try that straddles a
            // second's boundary proves nothing and is run again.
            for (var attempt = 0; ; attempt++)
            {
                while (DateTimeOffset.UtcNow.Millisecond > 200)
                {
                    await Task.Delay(20);
                }

                var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                for (var i = 0; i < 3; i++)
                {
                    Assert.Equal("ok", (await busy.JoinAsync($"busy-{attempt}-{i}")).Reply.Status);
                }

                var replies = new List<PhoenixFrame>();
                for (var i = 0; i < 2; i++)
                {
                    replies.Add((await client.JoinAsync($"small-{attempt}-{i}")).Reply);
                }

                if (DateTimeOffset.UtcNow.ToUnixTimeSeconds() == second || attempt == 4)
                {
                    Assert.Equal("ClientJoinRateLimitReached: Too many joins per second", replies[1].Reason);
                    break;
                }
            }
        }
        finally
        {
            await small.DisposeAsync();
        }
    }

    private static string[] Users(PhoenixFrame diff, string side) =>
        [.. diff.Payload.GetProperty(side).EnumerateObject().SelectMany(p => p.Value.GetProperty("metas").EnumerateArray()).Select(m => m.GetProperty("user").GetString()!)];

    [Fact]
    public async Task PrivateChannel_AllowedOrRefusedByPolicy()
    {
        var project = await ProjectAsync();
        var user = project.UserToken(Guid.NewGuid());
        var config = new { broadcast = new { self = true, ack = true }, presence = new { key = "", enabled = false }, @private = true };
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey);

        var (allowed, allowedRef) = await client.JoinAsync("allowed", config, user);
        Assert.Equal("ok", allowed.Status);
        var sent = await client.PushAsync(allowedRef, "realtime:allowed", "broadcast", new { type = "broadcast", @event = "e", payload = new { } });
        Assert.Equal("ok", (await client.ExpectAsync(f => f.Ref == sent)).Status);

        var (denied, _) = await client.JoinAsync("denied", config, user);
        Assert.Equal("error", denied.Status);
        Assert.Equal("Unauthorized: You do not have permissions to read from this Channel topic: denied", denied.Reason);

        // anon has no policy at all.
        var (anon, _) = await client.JoinAsync("allowed-anon", config);
        Assert.Equal("error", anon.Status);
    }

    [Fact]
    public async Task ExpiringToken_EndsTheChannel_WithSupabasesSystemMessage()
    {
        var project = await ProjectAsync();
        var token = JwtIssuer.Sign(
            new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["role"] = "authenticated", ["exp"] = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeSeconds() },
            project.JwtSecret);
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey);
        var (join, joinRef) = await client.JoinAsync("expiring", accessToken: token);
        Assert.Equal("ok", join.Status);

        // A refreshed token that is fine keeps the channel; then it runs out.
        await client.PushAsync(joinRef, "realtime:expiring", "access_token", new { access_token = token });
        var system = await client.ExpectAsync(f => f.Event == "system", seconds: 15);
        Assert.Equal("error", system.Payload.GetProperty("status").GetString());
        Assert.StartsWith("Token has expired", system.Payload.GetProperty("message").GetString());
        await client.ExpectAsync(f => f.Event == "phx_close" && f.Topic == "realtime:expiring");
    }

    [Fact]
    public async Task BadInput_GetsErrorReplies_AndTheSocketLivesOn()
    {
        var project = await ProjectAsync();
        await using var client = await PhoenixClient.ToGatewayAsync(stack.ApiUrl, project.AnonKey);
        await client.SendTextAsync("not json at all");
        await client.ExpectAsync(f => f.Event == "phx_error");
        await client.SendTextAsync("[1,2,3]");
        await client.ExpectAsync(f => f.Event == "phx_error");

        var (_, joinRef) = await client.JoinAsync("bad-input");
        var unknown = await client.PushAsync(joinRef, "realtime:bad-input", "no_such_event", new { });
        Assert.Equal("error", (await client.ExpectAsync(f => f.Ref == unknown)).Status);

        var (badFilter, _) = await client.JoinAsync("bad-filter", new { postgres_changes = new[] { new { @event = "INSERT", schema = "public", table = "t", filter = "id=like.1" } } });
        Assert.StartsWith("InvalidJoinPayload: Invalid filter", badFilter.Reason);

        // A table that does not exist is refused at join, never a fake ok.
        var (changes, _) = await client.JoinAsync("changes", new { postgres_changes = new[] { new { @event = "*", schema = "public", table = "no_such_table" } } });
        Assert.Equal("error", changes.Status);

        var heartbeat = await client.PushAsync(null, "phoenix", "heartbeat", new { });
        Assert.Equal("ok", (await client.ExpectAsync(f => f.Ref == heartbeat)).Status);
    }

    [Fact]
    public async Task Limits_AndSilentClient_OnAWorkerWithSmallCaps()
    {
        var project = await ProjectAsync();
        using var directory = TempDirectory.Create("rtw");
        var worker = await ExtraWorker.StartAsync(stack, directory, "realtime-limits", new Dictionary<string, string?>
        {
            ["Realtime__MaxChannelsPerClient"] = "2",
            ["Realtime__HeartbeatTimeoutSeconds"] = "2",
        });
        try
        {
            await using var client = await PhoenixClient.ToWorkerAsync(worker.Url.ToString().TrimEnd('/'), project.Ref, project.AnonKey);
            Assert.Equal("ok", (await client.JoinAsync("one")).Reply.Status);
            Assert.Equal("ok", (await client.JoinAsync("two")).Reply.Status);
            Assert.Equal("ChannelRateLimitReached: Too many channels", (await client.JoinAsync("three")).Reply.Reason);

            // Silent for longer than the heartbeat timeout: dropped.
            Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(8)));
        }
        finally
        {
            await worker.DisposeAsync();
        }
    }
}
