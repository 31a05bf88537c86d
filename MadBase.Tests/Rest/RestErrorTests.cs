using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>PostgREST's error codes and statuses for bad requests: parse, plan, and mapped SQLSTATEs.</summary>
[Collection(StackCollection.Name)]
public sealed class RestErrorTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-errors", RestFixtureSql.Library + """

            CREATE TABLE public.people (id int PRIMARY KEY);
            CREATE TABLE public.messages (id int PRIMARY KEY, sender int REFERENCES people(id), receiver int REFERENCES people(id));
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("books?select=id,authors(name", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("books?id=foo.1", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("books?id=eq", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("books?or=(id.eq.1", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("books?order=id.sideways", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("books?pages=is.maybe", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("books?select=id::text;drop", HttpStatusCode.BadRequest, "PGRST100")]
    [InlineData("nope", HttpStatusCode.NotFound, "PGRST205")]
    [InlineData("books?select=nope", HttpStatusCode.BadRequest, "42703")]
    [InlineData("books?nope=eq.1", HttpStatusCode.BadRequest, "42703")]
    [InlineData("books?order=nope", HttpStatusCode.BadRequest, "42703")]
    [InlineData("books?select=id,genres_x(name)", HttpStatusCode.BadRequest, "PGRST200")]
    [InlineData("books?select=id&genres.name=eq.x", HttpStatusCode.BadRequest, "PGRST108")]
    [InlineData("messages?select=id,people(id)", HttpStatusCode.MultipleChoices, "PGRST201")]
    [InlineData("books?id=eq.abc", HttpStatusCode.BadRequest, "22P02")]
    [InlineData("books?select=count()", HttpStatusCode.BadRequest, "PGRST123")]
    public async Task Get_BadRequest_ReturnsPostgrestError(string query, HttpStatusCode status, string code)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.Equal(status, response.Status);
        Assert.Equal(code, response.ErrorCode);
        Assert.NotNull(response.Json!["message"]);
        Assert.True(response.Json.AsObject().ContainsKey("details") && response.Json.AsObject().ContainsKey("hint"));
    }

    [Fact]
    public async Task Get_HintDisambiguatesRelationship()
    {
        await project.ExecuteAsync("INSERT INTO people VALUES (1), (2); INSERT INTO messages VALUES (1, 1, 2)");
        var response = await project.GetAsync("/rest/v1/messages?select=id,from:people!sender(id),to:people!messages_receiver_fkey(id)");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"from":{"id":1},"to":{"id":2}}]"""), response.Json);
    }

    [Theory]
    [InlineData("image/png", "image/png")]
    [InlineData("application/geo+json", "application/geo+json")]
    [InlineData("application/vnd.pgrst.plan+json", "application/vnd.pgrst.plan+json; for=\"application/json\"")]
    [InlineData("application/vnd.pgrst.plan; for=\"text/csv\"; options=analyze", "application/vnd.pgrst.plan+text; for=\"text/csv\"; options=analyze")]
    [InlineData("text/xml, application/geo+json", "text/xml, application/geo+json")]
    public async Task Get_UnofferedMediaType_Returns406NamingWhatWasAsked(string accept, string named)
    {
        // This database has no PostGIS (no ST_AsGeoJSON(record)) and the project leaves plan_enabled off.
        var response = await project.GetAsync("/rest/v1/books", ("Accept", accept));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        Assert.Equal("PGRST107", response.ErrorCode);
        Assert.Equal("None of these media types are available: " + named, response.Json!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_GeoJsonUnavailableThenJson_AnswersJson()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id&id=eq.1", ("Accept", "application/geo+json, application/json"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("[{\"id\":1}]"), response.Json);
    }
}
