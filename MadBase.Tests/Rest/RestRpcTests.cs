using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>/rpc: scalar, setof, table and composite results, GET arguments, filters on set results, errors.</summary>
[Collection(StackCollection.Name)]
public sealed class RestRpcTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-rpc", RestFixtureSql.Library);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Post_ScalarFunction_ReturnsTheValue()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/add", """{"a":2,"b":3}""");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("5", response.Body);
    }

    [Fact]
    public async Task Get_ArgumentsInQueryString_CallsTheFunction()
    {
        var response = await project.GetAsync("/rest/v1/rpc/add?a=10&b=-4");
        Assert.Equal("6", response.Body);
    }

    [Fact]
    public async Task Get_SetofTable_AppliesSelectFilterOrderAndEmbedding()
    {
        var response = await project.GetAsync("/rest/v1/rpc/books_by?author=1&select=title,authors(name)&pages=gt.100&order=id.desc");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""[{"title":"Dispossessed","authors":{"name":"Ursula"}},{"title":"Earthsea","authors":{"name":"Ursula"}}]"""),
            response.Json);
    }

    [Fact]
    public async Task Post_ReturnsTable_ReturnsRows()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/stats", "{}");
        RestCalls.AssertJson(RestCalls.Json("""[{"total":5,"max_pages":380}]"""), response.Json);
    }

    [Fact]
    public async Task Post_SetofScalar_ReturnsArray()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/titles", null);
        RestCalls.AssertJson(await project.QueryJsonAsync("SELECT title FROM books ORDER BY id").ContinueWith(t => RestCalls.Json(
            "[" + string.Join(",", t.Result.AsArray().Select(r => r!["title"]!.ToJsonString())) + "]")), response.Json);
    }

    [Fact]
    public async Task Post_SingleUnnamedJsonArgument_ReceivesTheBody()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/echo", """{"x":[1,2]}""");
        RestCalls.AssertJson(RestCalls.Json("""{"x":[1,2]}"""), response.Json);
    }

    [Fact]
    public async Task Post_RaiseException_Returns400P0001WithHint()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/fail", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("P0001", response.ErrorCode);
        Assert.Equal("nope", response.Json!["message"]!.GetValue<string>());
        Assert.Equal("h", response.Json["hint"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("rpc/nope", "{}")]
    [InlineData("rpc/add", """{"a":1}""")]
    [InlineData("rpc/add", """{"a":1,"b":2,"c":3}""")]
    public async Task Post_UnknownFunctionOrArguments_Returns404PGRST202(string path, string body)
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/" + path, body);
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("PGRST202", response.ErrorCode);
    }

    [Fact]
    public async Task Get_VolatileFunctionThatWrites_Returns405ReadOnly()
    {
        await project.ExecuteAsync("CREATE FUNCTION public.bump() RETURNS int LANGUAGE sql AS $$ UPDATE books SET pages = pages WHERE id = 1 RETURNING id $$");
        await project.WaitForSchemaAsync();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var response = await project.GetAsync("/rest/v1/rpc/bump");
            if (response.Status != HttpStatusCode.NotFound)
            {
                Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
                Assert.Equal("25006", response.ErrorCode);
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("bump never appeared in the schema cache");
    }
}
