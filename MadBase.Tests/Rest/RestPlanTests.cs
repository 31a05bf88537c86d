using System.Net;
using System.Text.Json.Nodes;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// <c>Accept: application/vnd.pgrst.plan</c> with the project's plan_enabled on: EXPLAIN of the request's own
/// statement, under the caller's role and RLS, in the format and with the options asked for.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestPlanTests(StackFixture stack) : IAsyncLifetime
{
    private const string PlanJson = "application/vnd.pgrst.plan+json";
    private static readonly Guid Alice = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-plan", RestFixtureSql.Library + $"""

            INSERT INTO notes (owner, body) VALUES ('{Alice}', 'a1'), ('{Alice}', 'a2'), ('{Bob}', 'b1');
            """, new { rest = new { plan_enabled = true, allow_tx_rollback = true } });

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Every node of an EXPLAIN (FORMAT JSON) plan tree that scans <paramref name="relation"/>.</summary>
    private static List<JsonNode> Scans(JsonNode plan, string relation) => Nodes(plan, "Relation Name", relation);

    private static List<JsonNode> Nodes(JsonNode plan, string key, string value)
    {
        var found = new List<JsonNode>();
        void Visit(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    if (obj[key] is JsonValue v && v.TryGetValue<string>(out var text) && text == value)
                    {
                        found.Add(obj);
                    }

                    foreach (var (_, child) in obj)
                    {
                        Visit(child);
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Visit(child);
                    }

                    break;
            }
        }

        Visit(plan);
        return found;
    }

    private static long ActualRows(JsonNode scan) => (long)scan["Actual Rows"]!.GetValue<double>();

    [Fact]
    public async Task Get_PlanJsonWithAnalyze_CountsTheRowsTheFilterKeeps()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id&pages=gt.200", ("Accept", PlanJson + "; options=analyze"));
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal("application/vnd.pgrst.plan+json; for=\"application/json\"; options=analyze; charset=utf-8", response.Header("Content-Type"));
        var scan = Assert.Single(Scans(response.Json!, "books"));
        var expected = await project.QueryJsonAsync("SELECT count(*) AS n FROM books WHERE pages > 200");
        Assert.Equal(expected[0]!["n"]!.GetValue<long>(), ActualRows(scan));
    }

    [Fact]
    public async Task Get_PlanWithoutFormat_IsTextOfTheAggregatingStatement()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id", ("Accept", "application/vnd.pgrst.plan"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/vnd.pgrst.plan+text; for=\"application/json\"; charset=utf-8", response.Header("Content-Type"));
        Assert.StartsWith("Aggregate", response.Body, StringComparison.Ordinal);
        Assert.Contains("Seq Scan on books", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_PlanForSingleObject_ExplainsTheObjectBody()
    {
        var response = await project.GetAsync(
            "/rest/v1/books?select=id&id=eq.1", ("Accept", PlanJson + "; for=\"application/vnd.pgrst.object\"; options=verbose"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(
            "application/vnd.pgrst.plan+json; for=\"application/vnd.pgrst.object+json\"; options=verbose; charset=utf-8",
            response.Header("Content-Type"));
        var output = response.Json![0]!["Plan"]!["Output"]!.AsArray().Select(o => o!.GetValue<string>());
        Assert.Contains(output, o => o.Contains("json_agg", StringComparison.Ordinal) && o.Contains("-> 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_PlanOptions_AreAppliedAndNamedInCanonicalOrder()
    {
        var response = await project.GetAsync("/rest/v1/authors", ("Accept", PlanJson + "; options=wal|settings|analyze|buffers|verbose|bogus"));
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal(
            "application/vnd.pgrst.plan+json; for=\"application/json\"; options=analyze|verbose|settings|buffers|wal; charset=utf-8",
            response.Header("Content-Type"));
        var plan = response.Json![0]!["Plan"]!;
        Assert.NotNull(plan["Actual Rows"]);
        Assert.NotNull(plan["Output"]);
        Assert.NotNull(plan["Shared Hit Blocks"]);
        Assert.NotNull(plan["WAL Records"]);
    }

    [Fact]
    public async Task Get_PlanForCsv_NamesCsv()
    {
        var response = await project.GetAsync("/rest/v1/authors", ("Accept", "application/vnd.pgrst.plan+text; for=\"text/csv\""));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/vnd.pgrst.plan+text; for=\"text/csv\"; charset=utf-8", response.Header("Content-Type"));
    }

    [Fact]
    public async Task Get_PlanForUnofferedType_Returns406()
    {
        var response = await project.GetAsync("/rest/v1/authors", ("Accept", PlanJson + "; for=\"text/xml\""));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        Assert.Equal("PGRST107", response.ErrorCode);
    }

    [Fact]
    public async Task Get_PlanWithAnalyze_GoesThroughRowLevelSecurity()
    {
        var alice = await project.SendAsync(HttpMethod.Get, "/rest/v1/notes", null, project.UserToken(Alice), ("Accept", PlanJson + "; options=analyze"));
        Assert.True(alice.Status == HttpStatusCode.OK, alice.Body);
        var own = await project.QueryJsonAsync($"SELECT count(*) AS n FROM notes WHERE owner = '{Alice}'");
        Assert.Equal(own[0]!["n"]!.GetValue<long>(), ActualRows(Assert.Single(Scans(alice.Json!, "notes"))));

        // anon's policy is USING (false): nothing reaches the aggregate.
        var anon = await project.GetAsync("/rest/v1/notes", ("Accept", PlanJson + "; options=analyze"));
        Assert.Equal(HttpStatusCode.OK, anon.Status);
        Assert.Equal(0, anon.Json![0]!["Plan"]!["Plans"]!.AsArray().Sum(p => ActualRows(p!)));
    }

    [Fact]
    public async Task Post_PlanWithoutAnalyze_DoesNotInsert()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/authors", """{"name":"Planned only"}""", null, ("Accept", PlanJson));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.NotEmpty(Scans(response.Json!, "authors"));
        RestCalls.AssertJson(RestCalls.Json("[]"), await project.QueryJsonAsync("SELECT id FROM authors WHERE name = 'Planned only'"));
    }

    [Fact]
    public async Task Post_PlanWithAnalyze_CommitsLikePostgrest()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/authors", """{"name":"Analyzed"}""", null, ("Accept", PlanJson + "; options=analyze"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"Analyzed"}]"""), await project.QueryJsonAsync("SELECT name FROM authors WHERE name = 'Analyzed'"));
    }

    [Fact]
    public async Task Post_PlanWithAnalyzeAndTxRollback_KeepsNothing()
    {
        var response = await project.SendAsync(
            HttpMethod.Post, "/rest/v1/authors", """{"name":"Rolled back"}""", null, ("Accept", PlanJson + "; options=analyze"), ("Prefer", "tx=rollback"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.NotEmpty(Scans(response.Json!, "authors"));
        RestCalls.AssertJson(RestCalls.Json("[]"), await project.QueryJsonAsync("SELECT id FROM authors WHERE name = 'Rolled back'"));
    }

    [Fact]
    public async Task Delete_PlanWithAnalyze_CountsTheDeletedRows()
    {
        await project.ExecuteAsync("INSERT INTO genres VALUES (901, 'plan-a'), (902, 'plan-b')");
        var response = await project.SendAsync(
            HttpMethod.Delete, "/rest/v1/genres?name=like.plan-*", null, null, ("Accept", PlanJson + "; options=analyze"), ("Prefer", "tx=rollback"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, ActualRows(Assert.Single(Nodes(response.Json!, "Node Type", "ModifyTable"))));
        RestCalls.AssertJson(RestCalls.Json("[{\"n\":2}]"), await project.QueryJsonAsync("SELECT count(*) AS n FROM genres WHERE name LIKE 'plan-%'"));
    }

    [Fact]
    public async Task Rpc_Plan_ExplainsTheCall()
    {
        var response = await project.GetAsync("/rest/v1/rpc/add?a=1&b=2", ("Accept", "application/vnd.pgrst.plan+text"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.StartsWith("Aggregate", response.Body, StringComparison.Ordinal);
    }
}
