using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>POST/PATCH/PUT/DELETE: what the response says and what the table holds afterwards.</summary>
[Collection(StackCollection.Name)]
public sealed class RestWriteTests(StackFixture stack) : IAsyncLifetime
{
    private const string Representation = "return=representation";
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-write", RestFixtureSql.Library, new { rest = new { allow_tx_rollback = true } });

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ApiResponse> Send(HttpMethod method, string query, string? body, params (string, string)[] headers) =>
        project.SendAsync(method, "/rest/v1/" + query, body, null, headers);

    [Fact]
    public async Task Post_Minimal_Returns201WithoutBodyAndInserts()
    {
        var response = await Send(HttpMethod.Post, "authors", """{"name":"Borges","country":"AR"}""");
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(string.Empty, response.Body);
        RestCalls.AssertJson(RestCalls.Json("""[{"country":"AR"}]"""), await project.QueryJsonAsync("SELECT country FROM authors WHERE name = 'Borges'"));
    }

    [Fact]
    public async Task Post_ArrayWithRepresentationAndEmbed_ReturnsTheNewRows()
    {
        var response = await Send(HttpMethod.Post, "books?select=title,authors(name)", """[{"title":"B1","author_id":2},{"title":"B2","author_id":3}]""", ("Prefer", Representation));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""[{"title":"B1","authors":{"name":"Stanislaw"}},{"title":"B2","authors":{"name":"Italo"}}]"""),
            response.Json);
    }

    [Fact]
    public async Task Post_MissingDefault_UsesColumnDefaultsForMissingKeys()
    {
        var response = await Send(HttpMethod.Post, "books?columns=title,rating&select=title,rating,tags", """[{"title":"M1"},{"title":"M2","rating":5}]""", ("Prefer", Representation + ",missing=default"));
        RestCalls.AssertJson(RestCalls.Json("""[{"title":"M1","rating":3,"tags":[]},{"title":"M2","rating":5,"tags":[]}]"""), response.Json);
    }

    [Fact]
    public async Task Post_BulkWithoutMissingDefault_SetsNullForMissingKeys()
    {
        var response = await Send(HttpMethod.Post, "books?columns=title,rating&select=title,rating", """[{"title":"N1"},{"title":"N2","rating":5}]""", ("Prefer", Representation));
        RestCalls.AssertJson(RestCalls.Json("""[{"title":"N1","rating":null},{"title":"N2","rating":5}]"""), response.Json);
    }

    [Fact]
    public async Task Post_Columns_IgnoresOtherKeys()
    {
        var response = await Send(HttpMethod.Post, "authors?columns=name&select=name,country", """{"name":"C1","country":"ignored"}""", ("Prefer", Representation));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"C1","country":null}]"""), response.Json);
    }

    [Fact]
    public async Task Post_MergeDuplicates_UpdatesTheExistingRow()
    {
        var response = await Send(HttpMethod.Post, "genres?on_conflict=id&select=id,name", """[{"id":3,"name":"literary fiction"},{"id":80,"name":"essay"}]""", ("Prefer", Representation + ",resolution=merge-duplicates"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"id":3,"name":"literary fiction"},{"id":80,"name":"essay"}]"""), response.Json);
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"literary fiction"}]"""), await project.QueryJsonAsync("SELECT name FROM genres WHERE id = 3"));
    }

    [Fact]
    public async Task Post_IgnoreDuplicates_SkipsTheConflictingRow()
    {
        var response = await Send(HttpMethod.Post, "genres?select=name", """[{"id":1,"name":"other"},{"id":60,"name":"poetry"}]""", ("Prefer", Representation + ",resolution=ignore-duplicates"));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"poetry"}]"""), response.Json);
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"fantasy"}]"""), await project.QueryJsonAsync("SELECT name FROM genres WHERE id = 1"));
    }

    [Fact]
    public async Task Post_Csv_InsertsEachLine()
    {
        // As PostgREST: NULL (quoted or not) is a null, an empty field an empty string.
        var response = await Send(
            HttpMethod.Post, "authors?select=name,country", "name,country\nCsv1,x\nCsv2,\nCsv3,NULL\n\"Csv,4\",\"NULL\"\n",
            ("Content-Type", "text/csv"), ("Prefer", Representation));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""[{"name":"Csv1","country":"x"},{"name":"Csv2","country":""},{"name":"Csv3","country":null},{"name":"Csv,4","country":null}]"""),
            response.Json);

        var ragged = await Send(HttpMethod.Post, "authors", "name,country\nCsv5", ("Content-Type", "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, ragged.Status);
        Assert.Equal("PGRST102", ragged.ErrorCode);
        Assert.Equal("All lines must have same number of fields", ragged.Json!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_UnknownColumn_Returns400PGRST204()
    {
        var response = await Send(HttpMethod.Post, "authors", """{"nme":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST204", response.ErrorCode);
    }

    [Fact]
    public async Task Post_InvalidJson_Returns400PGRST102()
    {
        var response = await Send(HttpMethod.Post, "authors", "{nope");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST102", response.ErrorCode);
    }

    [Theory]
    [InlineData("""{"id":1,"name":"dup"}""", "23505")]
    [InlineData("""{"title":"x","author_id":999}""", "23503")]
    public async Task Post_ConstraintViolation_Returns409(string body, string code)
    {
        var table = code == "23505" ? "genres" : "books";
        var response = await Send(HttpMethod.Post, table, body);
        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Equal(code, response.ErrorCode);
    }

    [Fact]
    public async Task Patch_WithFilter_UpdatesOnlyMatchingRows()
    {
        await project.ExecuteAsync("INSERT INTO authors (name, country) VALUES ('P1', 'a'), ('P2', 'a'), ('P3', 'b')");
        var response = await Send(HttpMethod.Patch, "authors?country=eq.a&select=name,country&order=name", """{"country":"c"}""", ("Prefer", Representation + ",count=exact"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        // PostgREST names the updated rows as a range: 0-1 of 2.
        Assert.Equal("0-1/2", response.Header("Content-Range"));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"P1","country":"c"},{"name":"P2","country":"c"}]"""), response.Json);
        RestCalls.AssertJson(RestCalls.Json("""[{"country":"b"}]"""), await project.QueryJsonAsync("SELECT country FROM authors WHERE name = 'P3'"));
    }

    [Fact]
    public async Task Patch_Minimal_Returns204()
    {
        var response = await Send(HttpMethod.Patch, "books?id=eq.1", """{"pages":201}""");
        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"pages":201}]"""), await project.QueryJsonAsync("SELECT pages FROM books WHERE id = 1"));
    }

    [Fact]
    public async Task Delete_WithRepresentation_ReturnsDeletedRows()
    {
        await project.ExecuteAsync("INSERT INTO authors (name) VALUES ('D1'), ('D2')");
        var response = await Send(HttpMethod.Delete, "authors?name=like.D*&select=name&order=name", null, ("Prefer", Representation));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"D1"},{"name":"D2"}]"""), response.Json);
        RestCalls.AssertJson(RestCalls.Json("[]"), await project.QueryJsonAsync("SELECT name FROM authors WHERE name LIKE 'D%'"));
    }

    [Fact]
    public async Task Delete_MaxAffectedExceededStrict_Returns400AndKeepsRows()
    {
        await project.ExecuteAsync("INSERT INTO authors (name) VALUES ('X1'), ('X2')");
        var response = await Send(HttpMethod.Delete, "authors?name=like.X*", null, ("Prefer", "handling=strict,max-affected=1"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST124", response.ErrorCode);
        RestCalls.AssertJson(RestCalls.Json("[{\"count\":2}]"), await project.QueryJsonAsync("SELECT count(*) FROM authors WHERE name LIKE 'X%'"));
    }

    [Fact]
    public async Task Post_TxRollback_ReturnsRowsButKeepsNothing()
    {
        var response = await Send(HttpMethod.Post, "authors?select=name", """{"name":"Ghost"}""", ("Prefer", Representation + ",tx=rollback"));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"Ghost"}]"""), response.Json);
        RestCalls.AssertJson(RestCalls.Json("[]"), await project.QueryJsonAsync("SELECT name FROM authors WHERE name = 'Ghost'"));
    }

    [Fact]
    public async Task Post_SingleObjectWithTwoRows_Returns406AndRollsBack()
    {
        var response = await Send(HttpMethod.Post, "authors", """[{"name":"S1"},{"name":"S2"}]""", ("Prefer", Representation), ("Accept", "application/vnd.pgrst.object+json"));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        RestCalls.AssertJson(RestCalls.Json("[]"), await project.QueryJsonAsync("SELECT name FROM authors WHERE name IN ('S1', 'S2')"));
    }

    [Fact]
    public async Task Put_ByPrimaryKey_UpsertsTheRow()
    {
        var response = await Send(HttpMethod.Put, "genres?id=eq.70&select=id,name", """{"id":70,"name":"horror"}""", ("Prefer", Representation));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        response = await Send(HttpMethod.Put, "genres?id=eq.70&select=id,name", """{"id":70,"name":"gothic"}""", ("Prefer", Representation));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"id":70,"name":"gothic"}]"""), response.Json);
    }

    [Fact]
    public async Task Put_WithoutPrimaryKeyFilter_Returns405()
    {
        var response = await Send(HttpMethod.Put, "genres?name=eq.x", """{"id":71,"name":"x"}""");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal("PGRST105", response.ErrorCode);
    }
}
