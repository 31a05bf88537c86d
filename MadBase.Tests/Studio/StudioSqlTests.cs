using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Studio;

/// <summary>The SQL editor's route: results as text, the row limit, the timeout, errors with their position.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class StudioSqlTests(SecondStackFixture stack)
{
    private async Task<(TestProject Project, StudioSession Session)> OpenAsync() =>
        (await TestProject.SharedAsync(stack, "studio-sql", "CREATE TABLE public.counter (n int)"), await StudioSession.StartAsync(stack.Stack));

    private static Task<ApiResponse> RunAsync(StudioSession session, TestProject project, object body) =>
        session.ProjectAsync(HttpMethod.Post, project, "/sql", body);

    [Fact]
    public async Task Run_ReturnsLastResultAsText()
    {
        var (project, session) = await OpenAsync();

        var response = await RunAsync(session, project, new { query = "insert into counter values (1), (2); select n, array[n, n * 10] as pair, null::int as nothing, current_user from counter order by n" });

        response.AssertStatus(200);
        var columns = response.Element.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("type").GetString()));
        Assert.Equal([("n", "integer"), ("pair", "integer[]"), ("nothing", "integer"), ("current_user", "name")], columns);
        var first = response.Element.GetProperty("rows")[0];
        Assert.Equal("1", first[0].GetString());
        Assert.Equal("{1,10}", first[1].GetString());
        Assert.Null(first[2].GetString());
        Assert.False(response.Element.GetProperty("truncated").GetBoolean());
        Assert.Equal(2L, await project.ScalarAsync<long>("SELECT count(*) FROM counter"));
    }

    [Fact]
    public async Task Run_RowLimit_Truncates()
    {
        var (project, session) = await OpenAsync();

        var response = await RunAsync(session, project, new { query = "select generate_series(1, 50) as i", row_limit = 7 });

        response.AssertStatus(200);
        Assert.Equal(7, response.Element.GetProperty("rows").GetArrayLength());
        Assert.True(response.Element.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Run_SyntaxError_GivesPositionInWholeText()
    {
        var (project, session) = await OpenAsync();
        const string query = "select 1;\nselect * fromm counter";

        var response = await RunAsync(session, project, new { query });

        var message = StudioAssert.Error(response, 400);
        Assert.Contains("fromm", message, StringComparison.Ordinal);
        Assert.Equal("42601", response.Element.GetProperty("sqlstate").GetString());
        Assert.Equal(query.IndexOf("fromm", StringComparison.Ordinal) + 1, response.Element.GetProperty("position").GetInt32());
    }

    [Theory]
    [InlineData("select 1; /* ; */ select ';' as \"a;b\", $x$ ; $x$;\n  selec 2", "selec 2")]
    [InlineData("select E'\\';' ; -- ;\n select nosuch", "nosuch")]
    [InlineData("select 1/0", "1/0")]
    public async Task Run_ErrorInLaterStatement_PositionCountsFromTheWholeText(string query, string at)
    {
        var (project, session) = await OpenAsync();

        var response = await RunAsync(session, project, new { query });

        StudioAssert.Error(response, 400);
        var position = response.Element.TryGetProperty("position", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Number ? p.GetInt32() : (int?)null;
        if (at == "1/0")
        {
            Assert.Null(position); // a run-time error has no position
        }
        else
        {
            Assert.Equal(query.IndexOf(at, StringComparison.Ordinal) + 1, position);
        }
    }

    [Fact]
    public async Task Run_Timeout_CancelsTheStatement()
    {
        var (project, session) = await OpenAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var response = await RunAsync(session, project, new { query = "select pg_sleep(30)", timeout_seconds = 1 });

        StudioAssert.Error(response, 400);
        Assert.Equal("57014", response.Element.GetProperty("sqlstate").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("{\"query\":\"\"}")]
    [InlineData("{\"query\":\"   \"}")]
    [InlineData("{}")]
    [InlineData("{\"query\":\"select 1\",\"row_limit\":0}")]
    [InlineData("{\"query\":\"select 1\",\"row_limit\":10001}")]
    [InlineData("{\"query\":\"select 1\",\"timeout_seconds\":0}")]
    [InlineData("{\"query\":\"select 1\",\"timeout_seconds\":301}")]
    [InlineData("{\"query\":\"select 1\",\"database\":\"postgres\"}")]
    [InlineData("{\"query\":\"select '\\u0000'\"}")]
    [InlineData("select 1")]
    public async Task Run_BadRequest_Returns400(string body)
    {
        var (project, session) = await OpenAsync();

        StudioAssert.Error(await RunAsync(session, project, body), 400);
    }
}
