using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// PATCH and DELETE with <c>limit</c>/<c>offset</c> (PostgREST 12's limited update/delete): only the first rows
/// in the requested order are touched, and a range without an order is refused. Each test has a queue of its own.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestLimitedWriteTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await TestProject.SharedAsync(stack, "rest-write-rules", RestFixtureSql.WriteRules);

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Six jobs in <paramref name="queue"/>: ids base+1…base+6, priorities 3,1,2,1,3,2.</summary>
    private async Task FillAsync(string queue, int idBase) =>
        await project.ExecuteAsync($"""
            INSERT INTO jobs (id, queue, priority) SELECT {idBase} + n, '{queue}', (ARRAY[3, 1, 2, 1, 3, 2])[n] FROM generate_series(1, 6) AS n
            """);

    private Task<ApiResponse> Send(HttpMethod method, string query, string? body = null, params (string, string)[] headers) =>
        project.SendAsync(method, "/rest/v1/" + query, body, null, headers);

    [Fact]
    public async Task Patch_LimitWithOrder_UpdatesOnlyTheFirstRowsInThatOrder()
    {
        await FillAsync("p1", 100);
        var response = await Send(HttpMethod.Patch, "jobs?queue=eq.p1&order=priority.desc,id&limit=3&select=id", """{"state":"taken"}""", ("Prefer", "return=representation"));
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var expected = """SELECT id FROM jobs WHERE queue = 'p1' ORDER BY priority DESC, id LIMIT 3""";
        RestCalls.AssertJson(await project.QueryJsonAsync(expected), response.Json);
        RestCalls.AssertJson(
            await project.QueryJsonAsync(expected),
            await project.QueryJsonAsync("SELECT id FROM jobs WHERE queue = 'p1' AND state = 'taken' ORDER BY priority DESC, id"));
        RestCalls.AssertJson(RestCalls.Json("[{\"n\":3}]"), await project.QueryJsonAsync("SELECT count(*) AS n FROM jobs WHERE queue = 'p1' AND state = 'new'"));
    }

    [Fact]
    public async Task Patch_LimitOnANonUniqueOrder_StillTouchesOnlyLimitRows()
    {
        // Two jobs share priority 1: the limit is on rows, not on order values.
        await FillAsync("p2", 200);
        var response = await Send(HttpMethod.Patch, "jobs?queue=eq.p2&order=priority&limit=1", """{"state":"taken"}""");
        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""[{"priority":1,"n":1}]"""),
            await project.QueryJsonAsync("SELECT priority, count(*) AS n FROM jobs WHERE queue = 'p2' AND state = 'taken' GROUP BY priority"));
    }

    [Fact]
    public async Task Delete_LimitAndOffsetWithOrder_DeletesThatSlice()
    {
        await FillAsync("d1", 300);
        var response = await Send(HttpMethod.Delete, "jobs?queue=eq.d1&order=id.desc&limit=2&offset=1&select=id", null, ("Prefer", "return=representation,count=exact"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("[{\"id\":305},{\"id\":304}]"), response.Json);
        Assert.Equal("*/2", response.Header("Content-Range"));
        RestCalls.AssertJson(
            RestCalls.Json("[{\"id\":301},{\"id\":302},{\"id\":303},{\"id\":306}]"),
            await project.QueryJsonAsync("SELECT id FROM jobs WHERE queue = 'd1' ORDER BY id"));
    }

    [Theory]
    [InlineData("PATCH", "limit=1", "n1", 400)]
    [InlineData("PATCH", "offset=1", "n2", 500)]
    [InlineData("DELETE", "limit=2", "n3", 600)]
    public async Task Write_LimitWithoutOrder_Returns400PGRST109AndTouchesNothing(string method, string range, string queue, int idBase)
    {
        await FillAsync(queue, idBase);
        var response = await Send(new HttpMethod(method), $"jobs?queue=eq.{queue}&{range}", method == "PATCH" ? """{"state":"taken"}""" : null);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST109", response.ErrorCode);
        Assert.Equal("A 'limit' was applied without an explicit 'order'", response.Json!["message"]!.GetValue<string>());
        Assert.Equal("Apply an 'order' using unique column(s)", response.Json["hint"]!.GetValue<string>());
        RestCalls.AssertJson(
            RestCalls.Json("[{\"n\":6}]"),
            await project.QueryJsonAsync($"SELECT count(*) AS n FROM jobs WHERE queue = '{queue}' AND state = 'new'"));
    }

    [Fact]
    public async Task Patch_LimitWithCount_ReportsTheUpdatedRange()
    {
        await FillAsync("c1", 700);
        var response = await Send(HttpMethod.Patch, "jobs?queue=eq.c1&order=id&limit=4", """{"state":"taken"}""", ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        Assert.Equal("0-3/4", response.Header("Content-Range"));
    }

    [Fact]
    public async Task Patch_WithoutLimit_ContentRangeCoversTheUpdatedRows()
    {
        await FillAsync("c2", 800);
        var response = await Send(HttpMethod.Patch, "jobs?queue=eq.c2&priority=eq.1", """{"state":"taken"}""");
        Assert.Equal("0-1/*", response.Header("Content-Range"));
        var none = await Send(HttpMethod.Patch, "jobs?queue=eq.nothing", """{"state":"taken"}""");
        Assert.Equal("*/*", none.Header("Content-Range"));
    }
}
