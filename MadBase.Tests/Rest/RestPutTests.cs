using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>PUT as PostgREST's single-row upsert: the URL names the row by its whole primary key, the payload must agree.</summary>
[Collection(StackCollection.Name)]
public sealed class RestPutTests(StackFixture stack) : IAsyncLifetime
{
    private const string Representation = "return=representation";
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await TestProject.SharedAsync(stack, "rest-write-rules", RestFixtureSql.WriteRules);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ApiResponse> Put(string query, string body, params (string, string)[] headers) =>
        project.SendAsync(HttpMethod.Put, "/rest/v1/" + query, body, null, headers);

    [Fact]
    public async Task Put_PayloadKeyDiffersFromUrl_Returns400PGRST115AndWritesNothing()
    {
        var response = await Put("items?id=eq.10", """{"id":11,"name":"eleven"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST115", response.ErrorCode);
        Assert.Equal("Payload values do not match URL in primary key column(s)", response.Json!["message"]!.GetValue<string>());
        RestCalls.AssertJson(RestCalls.Json("[]"), await project.QueryJsonAsync("SELECT id FROM items WHERE id IN (10, 11)"));
    }

    [Fact]
    public async Task Put_CompositeKeyOnePartDiffers_Returns400PGRST115()
    {
        var response = await Put("pairs?a=eq.1&b=eq.x", """{"a":1,"b":"y","note":"moved"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST115", response.ErrorCode);
        RestCalls.AssertJson(RestCalls.Json("""[{"note":"first"}]"""), await project.QueryJsonAsync("SELECT note FROM pairs WHERE a = 1 AND b = 'x'"));
    }

    [Fact]
    public async Task Put_PayloadWithoutKey_Returns400PGRST115()
    {
        var response = await Put("items?id=eq.12", """{"name":"no key"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST115", response.ErrorCode);
    }

    [Theory]
    [InlineData("pairs?a=eq.1")]
    [InlineData("pairs?a=eq.1&b=eq.x&note=eq.first")]
    [InlineData("items?id=not.eq.1")]
    [InlineData("items?id=in.(1)")]
    [InlineData("items?id=gte.1")]
    [InlineData("items?and=(id.eq.1)")]
    [InlineData("items?id=eq(any).{1}")]
    [InlineData("logs?msg=eq.x")]
    public async Task Put_FiltersNotExactlyTheKeyByEq_Returns405PGRST105(string query)
    {
        var response = await Put(query, """{"id":1,"a":1,"b":"x","msg":"x"}""");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal("PGRST105", response.ErrorCode);
        Assert.Equal("Filters must include all and only primary key columns with 'eq' operators", response.Json!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("items?id=eq.1&limit=1")]
    [InlineData("items?id=eq.1&offset=1")]
    public async Task Put_WithLimitOrOffset_Returns400PGRST114(string query)
    {
        var response = await Put(query, """{"id":1,"name":"one"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST114", response.ErrorCode);
        Assert.Equal("limit/offset querystring parameters are not allowed for PUT", response.Json!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Put_NewThenExisting_Returns201Then200WithTheRow()
    {
        var created = await Put("codes?code=eq.A%20B", """{"code":"A B","label":"first"}""", ("Prefer", Representation));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"code":"A B","label":"first"}]"""), created.Json);
        Assert.Null(created.Header("Content-Range"));

        var replaced = await Put("codes?code=eq.A%20B", """{"code":"A B","label":"second"}""", ("Prefer", Representation));
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"code":"A B","label":"second"}]"""), replaced.Json);
        RestCalls.AssertJson(await project.QueryJsonAsync("SELECT code, label FROM codes WHERE code = 'A B'"), replaced.Json);
    }

    [Fact]
    public async Task Put_Minimal_Returns204()
    {
        var response = await Put("pairs?a=eq.2&b=eq.z", """{"a":2,"b":"z","note":"put"}""");
        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        Assert.Equal(string.Empty, response.Body);
        RestCalls.AssertJson(RestCalls.Json("""[{"note":"put"}]"""), await project.QueryJsonAsync("SELECT note FROM pairs WHERE a = 2 AND b = 'z'"));
    }

    [Fact]
    public async Task Put_ArrayPayload_PutsOnlyTheRowMatchingTheUrl()
    {
        var response = await Put("items?id=eq.20", """[{"id":20,"name":"twenty"},{"id":21,"name":"other"}]""", ("Prefer", Representation), ("Accept", "application/vnd.pgrst.object+json"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""{"id":20,"name":"twenty","qty":0}"""), response.Json);
        RestCalls.AssertJson(RestCalls.Json("""[{"id":20}]"""), await project.QueryJsonAsync("SELECT id FROM items WHERE id IN (20, 21)"));
    }
}
