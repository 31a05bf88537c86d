using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// PostgREST 13's read grammar for values: casts, JSON paths (also on non-json columns and inside embeds),
/// logic trees on embeds, in lists and logic values with reserved characters, unicode names, whitespace,
/// and the Range header next to limit.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestGrammarFilterTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await RestGrammarFixture.ProjectAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("g_books?select=id::text,data->>n::int&id=in.(1,2)&order=id", """[{"id":"1","n":5},{"id":"2","n":3}]""")]
    [InlineData("g_books?select=id,price::double precision&id=eq.3", """[{"id":3,"price":7.25}]""")]
    [InlineData("g_books?select=id,tags->0,last:tags->>-1&id=eq.1", """[{"id":1,"tags":"fantasy","last":"classic"}]""")]
    [InlineData("g_books?select=id&tags->>0=eq.scifi", """[{"id":2}]""")]
    [InlineData("g_books?select=id,data->arr->1&id=eq.1", """[{"id":1,"arr":20}]""")]
    [InlineData("g_books?select=id,t:title&order=title->>x,id&id=lt.3", """[{"id":1,"t":"Earthsea"},{"id":2,"t":"Dispossessed"}]""")]
    [InlineData("g_authors?select=id,g_books(id)&g_books.data->>k=eq.x&order=id&g_books.order=id",
        """[{"id":1,"g_books":[{"id":1}]},{"id":2,"g_books":[{"id":3}]},{"id":3,"g_books":[]},{"id":4,"g_books":[]}]""")]
    [InlineData("g_authors?select=id,g_books(id)&id=eq.1&g_books.order=data->n.asc", """[{"id":1,"g_books":[{"id":2},{"id":1}]}]""")]
    [InlineData("g_authors?select=id,g_books(id)&id=in.(1,2)&order=id&g_books.or=(pages.gt.300,category.eq.fantasy)&g_books.order=id",
        """[{"id":1,"g_books":[{"id":1},{"id":2}]},{"id":2,"g_books":[{"id":3}]}]""")]
    [InlineData("g_authors?select=id,g_books(id)&id=in.(1,2)&order=id&g_books.and=(pages.gt.100,pages.lt.300)&g_books.order=id",
        """[{"id":1,"g_books":[{"id":1}]},{"id":2,"g_books":[{"id":3}]}]""")]
    [InlineData("g_authors?select=id,g_books(id)&id=eq.1&g_books.not.or=(id.eq.1,id.eq.3)", """[{"id":1,"g_books":[{"id":2}]}]""")]
    [InlineData("g_books?select=id&not.or=(category.eq.odd,pages.is.null)&order=id", """[{"id":1},{"id":2},{"id":3},{"id":5}]""")]
    [InlineData("g_books?select=id&not.and=(category.eq.odd,pages.gt.11)&order=id",
        """[{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6},{"id":7}]""")]
    [InlineData("g_authors?select=id,g_books(id)&id=in.(1,2)&order=id&g_books.order=id&g_books.limit=1&g_books.offset=1",
        """[{"id":1,"g_books":[{"id":2}]},{"id":2,"g_books":[]}]""")]
    public async Task Get_CastsPathsAndEmbedOptions_AsPostgrest(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Theory]
    [InlineData("g_books?select=id&title=in.(%22a,b%22,%22a)b%22,%22say%20%5C%22hi%5C%22%22,%22(x)%22,%22back%5C%5Cslash%22)&order=id",
        """[{"id":6},{"id":7},{"id":8},{"id":9},{"id":10}]""")]
    [InlineData("g_books?select=id&title=in.(say%20%22hi%22,Cities)&order=id", """[{"id":3},{"id":8}]""")]
    [InlineData("g_books?select=id&title=in.()", "[]")]
    [InlineData("g_books?select=id&id=not.in.()&id=lt.3&order=id", """[{"id":1},{"id":2}]""")]
    [InlineData("g_books?select=id&or=(title.eq.%22a,b%22,title.eq.%22a)b%22,title.eq.say%20%22hi%22)&order=id", """[{"id":6},{"id":7},{"id":8}]""")]
    [InlineData("g_books?select=id&title=like(any).{Earth*,*less}&order=id", """[{"id":1},{"id":5}]""")]
    [InlineData("g_books?select=id&tags=ov.{classic,misc}&or=(tags.cs.{misc},id.eq.1)&order=id", """[{"id":1},{"id":5}]""")]
    public async Task Get_ValuesWithReservedCharacters_ParseAsPostgrest(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Fact]
    public async Task Get_InListOfThousandsOfValues_IsOneRequest()
    {
        var ids = string.Join(',', Enumerable.Range(1, 4000));
        var response = await RestGrammarFixture.OkAsync(project, $"g_books?select=id&id=in.({ids})&id=lt.4&order=id");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1},{"id":2},{"id":3}]"""), response.Json);
    }

    [Theory]
    [InlineData("g_books?select=id,größe&größe=gt.2&order=größe.desc", """[{"id":5,"größe":4},{"id":3,"größe":3}]""")]
    [InlineData("g_books?select=id,%0A%20%20title&id=eq.1", """[{"id":1,"title":"Earthsea"}]""")]
    [InlineData("g_books?select=%22my%20title%22:title&id=eq.1", """[{"my title":"Earthsea"}]""")]
    [InlineData("g_books?select=&id=eq.6",
        """[{"id":6,"title":"a,b","pages":10,"author_id":null,"category":"odd","price":null,"data":null,"tags":null,"größe":null}]""")]
    public async Task Get_NamesAndSelectText_AsPostgrest(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Theory]
    [InlineData("g_books?select=id&or=(not.pages.is.null)")]
    [InlineData("g_books?select=id&order=id.nullsfirst.desc")]
    [InlineData("g_books?select=id&id=in.{1,2}")]
    [InlineData("g_books?select=id,")]
    public async Task Get_GrammarPostgrestRefuses_IsAParseError(string query)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST100", response.ErrorCode);
    }

    [Fact]
    public async Task Get_RangeHeaderWithLimit_TakesTheirIntersection()
    {
        var response = await RestGrammarFixture.OkAsync(project, "g_books?select=id&order=id&limit=3", ("Range", "1-5"));
        RestCalls.AssertJson(RestCalls.Json("""[{"id":2},{"id":3}]"""), response.Json);
        Assert.Equal("1-2/*", response.Header("Content-Range"));

        var embedded = await RestGrammarFixture.OkAsync(project, "g_authors?select=id,g_books(id)&order=id&g_books.order=id&g_books.limit=1", ("Range", "0-1"));
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"g_books":[{"id":1}]},{"id":2,"g_books":[{"id":3}]}]"""), embedded.Json);

        var disjoint = await project.GetAsync("/rest/v1/g_books?select=id&order=id&limit=1", ("Range", "1-2"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, disjoint.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""{"code":"PGRST103","details":"Limit should be greater than or equal to zero.","hint":null,"message":"Requested range not satisfiable"}"""),
            disjoint.Json);
    }

    // PostgREST reads limit and offset with Haskell's readMaybe: what is not an integer is ignored.
    [Fact]
    public async Task Get_LimitThatIsNoInteger_IsIgnored() =>
        RestCalls.AssertJson(
            RestCalls.Json("""[{"id":1},{"id":2}]"""),
            (await RestGrammarFixture.OkAsync(project, "g_books?select=id&id=lt.3&order=id&limit=abc&offset=x")).Json);

    [Theory]
    [InlineData("g_books?select=id&limit=-1", HttpStatusCode.RequestedRangeNotSatisfiable,
        """{"code":"PGRST103","details":"Limit should be greater than or equal to zero.","hint":null,"message":"Requested range not satisfiable"}""")]
    [InlineData("g_authors?select=id,g_books(id)&g_books.limit=-1", HttpStatusCode.BadRequest,
        """{"code":"2201W","details":null,"hint":null,"message":"LIMIT must not be negative"}""")]
    [InlineData("g_books?select=id&offset=-1", HttpStatusCode.BadRequest,
        """{"code":"2201X","details":null,"hint":null,"message":"OFFSET must not be negative"}""")]
    public async Task Get_NegativeLimitOrOffset_FailsAsPostgrest(string query, HttpStatusCode status, string expected) =>
        await RestGrammarFixture.AssertErrorAsync(project, query, status, expected);
}
