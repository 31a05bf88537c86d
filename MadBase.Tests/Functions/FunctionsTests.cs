using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Functions;

/// <summary>
/// Edge Functions on the shared stack with real Deno: deploy through the admin API, invoke through the gateway,
/// the runtime's limits and isolation. The stack runs them with a 3 s wall clock and a 64 MB heap (StackFixture).
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class FunctionsTests(SecondStackFixture stack)
{
    /// <summary>Echoes what reached it, and misbehaves on request.</summary>
    private const string Echo = """
        import { shout } from "./shout.ts";
        Deno.serve(async (req) => {
          const url = new URL(req.url);
          const body = await req.text();
          return Response.json({
            method: req.method, path: url.pathname, query: url.search, header: req.headers.get("x-test"),
            body, shouted: shout(body), project: req.headers.get("x-madbase-project") ?? null,
          }, { headers: { "x-from-function": "yes" } });
        });
        """;

    private const string Shout = """export const shout = (s: string) => s.toUpperCase() + "!";""";

    private Task<TestProject> ProjectAsync(string name = "functions") => TestProject.SharedAsync(stack, name, "SELECT 1");

    [Fact]
    public async Task Deploy_ListGetInvokeDelete_FollowTheStoredFunction()
    {
        var project = await ProjectAsync();
        var deployed = await project.DeployAsync("echo", new Dictionary<string, string> { ["index.ts"] = Echo, ["shout.ts"] = Shout });
        deployed.AssertStatus(201);
        Assert.Equal(1, deployed.Element.GetProperty("version").GetInt32());
        Assert.True(deployed.Element.GetProperty("verify_jwt").GetBoolean());

        using var content = new StringContent("hello", System.Text.Encoding.UTF8, "text/plain");
        using var request = project.FunctionRequest(HttpMethod.Patch, "/echo/sub/path?a=1&b=two", content: content);
        request.Headers.Add("x-test", "passed");
        using var response = await TestHttp.Client.SendAsync(request);
        var answer = await ApiResponse.ReadAsync(response);
        answer.AssertStatus(200);
        Assert.Equal("yes", answer.Header("x-from-function"));
        var echoed = answer.Element;
        Assert.Equal("PATCH", echoed.GetProperty("method").GetString());
        Assert.Equal("/echo/sub/path", echoed.GetProperty("path").GetString());
        Assert.Equal("?a=1&b=two", echoed.GetProperty("query").GetString());
        Assert.Equal("passed", echoed.GetProperty("header").GetString());
        Assert.Equal("HELLO!", echoed.GetProperty("shouted").GetString());
        Assert.Equal(JsonValueKind.Null, echoed.GetProperty("project").ValueKind);

        var list = await project.AdminAsync(HttpMethod.Get, "/functions");
        list.AssertStatus(200);
        Assert.Contains(list.Element.EnumerateArray(), f => f.GetProperty("slug").GetString() == "echo");
        (await project.AdminAsync(HttpMethod.Get, "/functions/echo")).AssertStatus(200);

        (await project.AdminAsync(HttpMethod.Delete, "/functions/echo")).AssertStatus(204);
        (await project.AdminAsync(HttpMethod.Get, "/functions/echo")).AssertStatus(404);
        await TestProject.UntilEveryWorkerAsync(
            async () => (await project.InvokeAsync("/echo")) is { Status: HttpStatusCode.NotFound, ErrorCode: "NOT_FOUND" }, "the deleted function");
    }

    [Fact]
    public async Task Deploy_BadInput_IsRefusedWithTheReason()
    {
        var project = await ProjectAsync();
        (await project.DeployBundleAsync("not-a-tar", "plain text"u8.ToArray())).AssertStatus(400);
        (await project.DeployAsync("no-entry", new Dictionary<string, string> { ["main.ts"] = Echo })).AssertStatus(400);
        (await project.DeployAsync("escape", new Dictionary<string, string> { ["index.ts"] = Echo, ["../evil.ts"] = "x" })).AssertStatus(400);
        (await project.DeployAsync("1-bad-name", Echo)).AssertStatus(400);
        (await project.DeployBundleAsync("echo", FunctionsCalls.Bundle(new Dictionary<string, string> { ["index.ts"] = Echo }), "?verify_jwt=maybe")).AssertStatus(400);
        var unparsable = await project.DeployAsync("unparsable", "Deno.serve(() => {\n  const x = ;\n});");
        unparsable.AssertStatus(400);
        Assert.Contains("Expression expected", unparsable.Body, StringComparison.Ordinal);
        Assert.Contains("index.ts:2", unparsable.Body, StringComparison.Ordinal);
        var unknown = await project.InvokeAsync("/never-deployed");
        unknown.AssertStatus(404);
        Assert.Equal("NOT_FOUND", unknown.ErrorCode);
    }

    [Fact]
    public async Task VerifyJwt_OnByDefault_OffPerFunction()
    {
        var project = await ProjectAsync();
        const string hello = """Deno.serve(() => new Response("hi"));""";
        (await project.DeployAsync("guarded", hello)).AssertStatus(201);
        (await project.DeployAsync("open", hello, verifyJwt: false)).AssertStatus(201);

        Assert.Equal("hi", (await project.InvokeAsync("/guarded")).Body);
        Assert.Equal("hi", (await project.InvokeAsync("/guarded", bearer: project.UserToken(Guid.NewGuid()))).Body);
        var forged = await project.InvokeAsync("/guarded", bearer: "not.a.jwt");
        forged.AssertStatus(401);
        Assert.Equal("UNAUTHORIZED_INVALID_JWT_FORMAT", forged.ErrorCode);

        Assert.Equal("hi", (await project.InvokeAsync("/open", bearer: "not.a.jwt")).Body);
    }

    [Fact]
    public async Task Streaming_BodiesFlowBothWays()
    {
        var project = await ProjectAsync();
        const string streaming = """
            Deno.serve(async (req) => {
              if (req.method === "POST") {
                let bytes = 0;
                for await (const chunk of req.body!) bytes += chunk.length;
                return new Response(String(bytes));
              }
              const encoder = new TextEncoder();
              const body = new ReadableStream({
                async start(controller) {
                  controller.enqueue(encoder.encode("data: first\n\n"));
                  await new Promise((resolve) => setTimeout(resolve, 1500));
                  controller.enqueue(encoder.encode("data: second\n\n"));
                  controller.close();
                },
              });
              return new Response(body, { headers: { "content-type": "text/event-stream" } });
            });
            """;
        (await project.DeployAsync("stream", streaming)).AssertStatus(201);

        var size = 8 * 1024 * 1024;
        using var upload = new StreamContent(new MemoryStream(new byte[size]));
        using var post = project.FunctionRequest(HttpMethod.Post, "/stream", content: upload);
        using var posted = await TestHttp.Client.SendAsync(post);
        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), await posted.Content.ReadAsStringAsync());

        using var get = project.FunctionRequest(HttpMethod.Get, "/stream");
        using var events = await TestHttp.Client.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        var clock = Stopwatch.StartNew();
        Assert.Equal("data: first", await reader.ReadLineAsync());
        Assert.True(clock.ElapsedMilliseconds < 1200, $"the first event came with the second, after {clock.ElapsedMilliseconds} ms");
        await reader.ReadLineAsync();
        Assert.Equal("data: second", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task Limits_AHangAThrowACrashAndTheHeap_AnswerClearlyAndTheInstanceIsReplaced()
    {
        var project = await ProjectAsync();
        const string faulty = """
            Deno.serve(async (req) => {
              const what = new URL(req.url).pathname.split("/")[2];
              if (what === "hang") await new Promise(() => {});
              if (what === "throw") throw new Error("secret internals");
              if (what === "exit") Deno.exit(3);
              if (what === "heap") { const hog = []; while (true) hog.push(new Array(100000).fill(Math.random())); }
              return new Response("fine");
            });
            """;
        (await project.DeployAsync("faulty", faulty)).AssertStatus(201);
        Assert.Equal("fine", (await project.InvokeAsync("/faulty")).Body);

        var hang = await project.InvokeAsync("/faulty/hang");
        Assert.Equal(546, (int)hang.Status);
        Assert.Equal("WORKER_LIMIT", hang.ErrorCode);

        var thrown = await project.InvokeAsync("/faulty/throw");
        thrown.AssertStatus(500);
        Assert.DoesNotContain("secret internals", thrown.Body, StringComparison.Ordinal);

        var exited = await project.InvokeAsync("/faulty/exit");
        exited.AssertStatus(500);
        Assert.Equal("WORKER_ERROR", exited.ErrorCode);

        var heap = await project.InvokeAsync("/faulty/heap");
        Assert.Equal(546, (int)heap.Status);
        Assert.Contains("memory", heap.Body, StringComparison.Ordinal);

        // Every instance that hung or died was replaced: the function answers again on both workers.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("fine", (await project.InvokeAsync("/faulty")).Body);
        }
    }

    [Fact]
    public async Task Isolation_NoFilesNoSubprocessesNoOtherSecrets_ButItsOwnEnvironment()
    {
        var project = await ProjectAsync();
        var other = await ProjectAsync("functions-other");
        (await other.AdminAsync(HttpMethod.Post, "/secrets", new { secrets = new[] { new { name = "OTHER_SECRET", value = "theirs" } } })).AssertStatus(200);
        var set = await project.AdminAsync(HttpMethod.Post, "/secrets", new { secrets = new[] { new { name = "MY_SECRET", value = "mine" } } });
        set.AssertStatus(200);
        Assert.DoesNotContain("mine", set.Body, StringComparison.Ordinal);

        var redisPort = new Uri("redis://" + project.Stack.RedisConnectionString).Port;
        var probeSource = """
            const attempt = async (f: () => unknown) => { try { return String(await f()); } catch (e) { return (e as Error).name; } };
            Deno.serve(async () => Response.json({
              read: await attempt(() => Deno.readTextFile("/etc/hostname")),
              write: await attempt(() => Deno.writeTextFile("./x.txt", "x")),
              run: await attempt(() => new Deno.Command("/bin/ls").output()),
              allEnv: await attempt(() => Object.keys(Deno.env.toObject()).length),
              other: await attempt(() => Deno.env.get("OTHER_SECRET")),
              admin: await attempt(() => Deno.env.get("Admin__Password")),
              redis: await attempt(async () => { (await Deno.connect({ hostname: "127.0.0.1", port: REDIS_PORT })).close(); return "connected"; }),
              mine: Deno.env.get("MY_SECRET"),
              url: Deno.env.get("SUPABASE_URL"),
              rest: (await fetch(Deno.env.get("SUPABASE_URL") + "/rest/v1/", {
                headers: { apikey: Deno.env.get("SUPABASE_ANON_KEY")!, authorization: "Bearer " + Deno.env.get("SUPABASE_SERVICE_ROLE_KEY") },
              })).status,
              db: new URL(Deno.env.get("SUPABASE_DB_URL")!).protocol,
            }));
            """.Replace("REDIS_PORT", redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        (await project.DeployAsync("probe", probeSource)).AssertStatus(201);
        var probe = await project.InvokeAsync("/probe");
        probe.AssertStatus(200);
        var seen = probe.Element;
        foreach (var denied in new[] { "read", "write", "run", "allEnv", "other", "admin", "redis" })
        {
            Assert.True(seen.GetProperty(denied).GetString() == "NotCapable", $"{denied}: {probe.Body}");
        }

        Assert.Equal("mine", seen.GetProperty("mine").GetString());
        Assert.Equal(project.Stack.ApiUrl, seen.GetProperty("url").GetString());
        Assert.Equal(200, seen.GetProperty("rest").GetInt32());
        Assert.Equal("postgresql:", seen.GetProperty("db").GetString());
    }

    [Fact]
    public async Task Deploy_DuringTraffic_FinishesOldRequestsAndServesTheNewVersion()
    {
        var project = await ProjectAsync();
        static string Version(string v) => $$"""
            Deno.serve(async (req) => {
              if (new URL(req.url).pathname.endsWith("/slow")) await new Promise((r) => setTimeout(r, 1500));
              return new Response("{{v}}");
            });
            """;
        (await project.DeployAsync("versioned", Version("v1"))).AssertStatus(201);
        Assert.Equal("v1", (await project.InvokeAsync("/versioned")).Body);

        var slow = project.InvokeAsync("/versioned/slow");
        var redeployed = await project.DeployAsync("versioned", Version("v2"));
        redeployed.AssertStatus(200);
        Assert.Equal(2, redeployed.Element.GetProperty("version").GetInt32());

        var finished = await slow;
        finished.AssertStatus(200);
        Assert.Equal("v1", finished.Body);
        await TestProject.UntilEveryWorkerAsync(async () => (await project.InvokeAsync("/versioned")).Body == "v2", "version 2");
    }

    [Fact]
    public async Task Cli_DeploysTheFolderAndSetsSecrets()
    {
        var project = await ProjectAsync();
        using var folder = TempDirectory.Create("mbfn");
        Directory.CreateDirectory(Path.Combine(folder.FullPath, "cli-hello"));
        await File.WriteAllTextAsync(
            Path.Combine(folder.FullPath, "cli-hello", "index.ts"),
            "Deno.serve(() => new Response(Deno.env.get('CLI_SECRET')));");
        string[] where = ["--data-dir", project.Stack.DataDirectory, "--project", project.Ref];

        Assert.Equal(0, await Cli.Commands.SecretsCommand.RunAsync(Cli.Commands.AdminArguments.Parse(["set", "CLI_SECRET=from-cli", .. where])));
        Assert.Equal(0, await Cli.Commands.FunctionsCommand.RunAsync(Cli.Commands.AdminArguments.Parse(
            ["deploy", "cli-hello", "--no-verify-jwt", "--functions-dir", folder.FullPath, .. where])));
        await TestProject.UntilEveryWorkerAsync(
            async () => (await project.InvokeAsync("/cli-hello", bearer: "not.a.jwt")).Body == "from-cli", "the function deployed by the CLI");
        Assert.Equal(1, await Cli.Commands.FunctionsCommand.RunAsync(Cli.Commands.AdminArguments.Parse(["delete", "never-deployed", .. where])));
    }

    [Fact]
    public async Task BootFailure_IsARelayError()
    {
        var project = await ProjectAsync();
        (await project.DeployAsync("broken", "Deno.serve(() => new Response('x'));\nthrow new Error('at import');")).AssertStatus(201);
        var broken = await project.InvokeAsync("/broken");
        broken.AssertStatus(503);
        Assert.Equal("BOOT_ERROR", broken.ErrorCode);
        Assert.Equal("true", broken.Header("x-relay-error"));
        Assert.NotNull(broken.Header("retry-after"));

        // Under traffic a broken version is started again only after a back-off: ten requests over the two workers
        // cost at most two starts on each (the deploy's own change message, if it arrives after the first request,
        // retires that worker's pool once), every failure visible in the function's logs.
        var burst = await Task.WhenAll(Enumerable.Range(0, 9).Select(_ => project.InvokeAsync("/broken")));
        foreach (var again in burst)
        {
            Assert.Equal("BOOT_ERROR", again.ErrorCode);
            Assert.True(int.Parse(again.Header("retry-after")!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        }

        var logs = await UntilLogsAsync(project, "broken", lines => lines.Any(l => l.Contains("at import", StringComparison.Ordinal)));
        var starts = logs.Count(l => l.Contains("Uncaught", StringComparison.Ordinal));
        Assert.True(starts is >= 1 and <= 4, $"{starts} starts for 10 requests: {string.Join(" | ", logs)}");
    }

    [Fact]
    public async Task ConsoleOutput_IsReadableThroughTheAdminApi()
    {
        var project = await ProjectAsync();
        (await project.DeployAsync("chatty", """
            Deno.serve((req) => {
              const q = new URL(req.url).searchParams.get("q");
              console.log("out:" + q);
              console.error("err:" + q);
              return new Response("ok");
            });
            """, verifyJwt: false)).AssertStatus(201);
        (await project.InvokeAsync("/chatty?q=first", bearer: null)).AssertStatus(200);
        (await project.InvokeAsync("/chatty?q=second", bearer: null)).AssertStatus(200);

        // The two calls may have run on the two workers, each writing its lines in its own time.
        string[] expected = ["stdout: out:first", "stderr: err:first", "stdout: out:second", "stderr: err:second"];
        var lines = await UntilLogsAsync(project, "chatty", lines => expected.All(lines.Contains));
        Assert.Contains("stdout: out:first", lines);
        Assert.Contains("stdout: out:second", lines);
        var times = (await project.AdminAsync(HttpMethod.Get, "/functions/chatty/logs")).Element.EnumerateArray()
            .Select(l => l.GetProperty("timestamp").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times); // oldest first
        Assert.DoesNotContain(lines, l => l.Contains("MADBASE_FUNCTION_LISTENING", StringComparison.Ordinal));

        var one = await project.AdminAsync(HttpMethod.Get, "/functions/chatty/logs?limit=1");
        one.AssertStatus(200);
        Assert.Single(one.Element.EnumerateArray());
        Assert.Equal(1, one.Element[0].GetProperty("version").GetInt32());
        (await project.AdminAsync(HttpMethod.Get, "/functions/chatty/logs?limit=0")).AssertStatus(400);
        (await project.AdminAsync(HttpMethod.Get, "/functions/chatty/logs?limit=x")).AssertStatus(400);
        Assert.Empty((await project.AdminAsync(HttpMethod.Get, "/functions/quiet/logs")).Element.EnumerateArray());

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, $"{project.Stack.AdminUrl}/projects/{project.Ref}/functions/chatty/logs");
        Assert.Equal(HttpStatusCode.Unauthorized, (await TestHttp.Client.SendAsync(anonymous)).StatusCode);
    }

    /// <summary>The function's log lines as "stream: message", once <paramref name="done"/> holds (the workers write them in the background).</summary>
    private static async Task<List<string>> UntilLogsAsync(TestProject project, string slug, Func<List<string>, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await project.AdminAsync(HttpMethod.Get, $"/functions/{slug}/logs");
            response.AssertStatus(200);
            var lines = response.Element.EnumerateArray()
                .Select(l => $"{l.GetProperty("stream").GetString()}: {l.GetProperty("message").GetString()}").ToList();
            if (done(lines) || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                Assert.True(done(lines), $"the logs of {slug} never showed what was expected: {string.Join(" | ", lines)}");
                return lines;
            }

            await Task.Delay(100);
        }
    }
}
