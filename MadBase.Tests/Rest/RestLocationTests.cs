using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary><c>Prefer: return=headers-only</c> on POST: no body, a Location naming the new row by its primary key.</summary>
[Collection(StackCollection.Name)]
public sealed class RestLocationTests(StackFixture stack) : IAsyncLifetime
{
    private const string HeadersOnly = "return=headers-only";
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await TestProject.SharedAsync(stack, "rest-write-rules", RestFixtureSql.WriteRules);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ApiResponse> Post(string query, string body, params (string, string)[] headers) =>
        project.SendAsync(HttpMethod.Post, "/rest/v1/" + query, body, null, headers);

    [Fact]
    public async Task Post_HeadersOnly_Returns201WithLocationAndNoBody()
    {
        var response = await Post("items", """{"id":30,"name":"thirty"}""", ("Prefer", HeadersOnly));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(string.Empty, response.Body);
        Assert.Equal("/items?id=eq.30", response.Header("Location"));
        Assert.Equal("*/*", response.Header("Content-Range"));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"thirty"}]"""), await project.QueryJsonAsync("SELECT name FROM items WHERE id = 30"));
    }

    [Fact]
    public async Task Post_HeadersOnlyWithGeneratedKey_NamesTheKeyTheDatabaseChose()
    {
        await project.ExecuteAsync("CREATE TABLE IF NOT EXISTS public.tickets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text)");
        await project.WaitForSchemaAsync("tickets");
        var response = await Post("tickets", """{"title":"generated"}""", ("Prefer", HeadersOnly + ",count=exact"));
        var id = (await project.QueryJsonAsync("SELECT id FROM tickets WHERE title = 'generated'"))[0]!["id"]!.GetValue<long>();
        Assert.Equal($"/tickets?id=eq.{id}", response.Header("Location"));
        Assert.Equal("*/1", response.Header("Content-Range"));
    }

    [Fact]
    public async Task Post_HeadersOnlyCompositeKey_JoinsTheKeyInColumnOrderWithAmpersand()
    {
        // The key is declared (b, a); PostgREST reads it back from the row, so columns come in table order.
        var response = await Post("pairs", """{"a":7,"b":"h o/m&e","note":"n"}""", ("Prefer", HeadersOnly));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("/pairs?a=eq.7&b=eq.h%20o%2Fm%26e", response.Header("Location"));

        // The Location is a working URL for the row.
        var row = await project.GetAsync("/rest/v1" + response.Header("Location") + "&select=note");
        RestCalls.AssertJson(RestCalls.Json("""[{"note":"n"}]"""), row.Json);
    }

    [Fact]
    public async Task Post_HeadersOnlySeveralRows_HasNoLocation()
    {
        var response = await Post("items", """[{"id":31},{"id":32}]""", ("Prefer", HeadersOnly));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Null(response.Header("Location"));
        RestCalls.AssertJson(RestCalls.Json("[{\"n\":2}]"), await project.QueryJsonAsync("SELECT count(*) AS n FROM items WHERE id IN (31, 32)"));
    }

    [Fact]
    public async Task Post_HeadersOnlyTableWithoutKey_HasNoLocation()
    {
        var response = await Post("logs", """{"msg":"keyless"}""", ("Prefer", HeadersOnly));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Null(response.Header("Location"));
        Assert.Equal("*/*", response.Header("Content-Range"));
    }

    [Fact]
    public async Task Post_Minimal_HasNoLocation()
    {
        var response = await Post("items", """{"id":33}""");
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Null(response.Header("Location"));
    }

    [Fact]
    public async Task Post_MergeDuplicatesThatOnlyUpdates_Returns200()
    {
        await project.ExecuteAsync("INSERT INTO items VALUES (34, 'before', 0)");
        var updated = await Post("items", """{"id":34,"name":"after"}""", ("Prefer", "resolution=merge-duplicates"));
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        var mixed = await Post("items", """[{"id":34,"name":"again"},{"id":35,"name":"new"}]""", ("Prefer", "resolution=merge-duplicates"));
        Assert.Equal(HttpStatusCode.Created, mixed.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""[{"id":34,"name":"again"},{"id":35,"name":"new"}]"""),
            await project.QueryJsonAsync("SELECT id, name FROM items WHERE id IN (34, 35) ORDER BY id"));
    }
}
