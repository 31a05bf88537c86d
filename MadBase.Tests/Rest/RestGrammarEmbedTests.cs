using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// PostgREST 13's read grammar around embedded resources: ordering by a to-one embed's column, spreads over
/// to-many relationships, the relation names of 42703, the legacy <c>count</c>, embed paths by name or alias.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestGrammarEmbedTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await RestGrammarFixture.ProjectAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("g_books?select=id,g_authors(name)&id=lt.6&order=g_authors(name).desc.nullslast,id",
        """[{"id":1,"g_authors":{"name":"Ursula"}},{"id":2,"g_authors":{"name":"Ursula"}},{"id":3,"g_authors":{"name":"Italo"}},{"id":4,"g_authors":null},{"id":5,"g_authors":{"name":null}}]""")]
    [InlineData("g_books?select=id,a:g_authors(n:name)&id=lt.6&order=a(n).asc.nullsfirst,id",
        """[{"id":4,"a":null},{"id":5,"a":{"n":null}},{"id":3,"a":{"n":"Italo"}},{"id":1,"a":{"n":"Ursula"}},{"id":2,"a":{"n":"Ursula"}}]""")]
    [InlineData("g_books?select=id,g_authors(data)&id=in.(1,3,5)&order=g_authors(data->>n).desc,id",
        """[{"id":5,"g_authors":{"data":{"n":3}}},{"id":3,"g_authors":{"data":{"k":"y","n":2}}},{"id":1,"g_authors":{"data":{"k":"x","n":1}}}]""")]
    [InlineData("g_books?select=id,...g_authors(author:name)&id=lt.4&order=g_authors(author),id",
        """[{"id":3,"author":"Italo"},{"id":1,"author":"Ursula"},{"id":2,"author":"Ursula"}]""")]
    [InlineData("g_books?select=id,g_authors(*)&id=in.(2,3)&order=g_authors(name)",
        """[{"id":3,"g_authors":{"id":2,"name":"Italo","data":{"k":"y","n":2}}},{"id":2,"g_authors":{"id":1,"name":"Ursula","data":{"k":"x","n":1}}}]""")]
    public async Task Get_OrderByToOneEmbedColumn_OrdersTheParentRows(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Theory]
    [InlineData("g_authors?select=id,g_books(title)&order=g_books(title)", HttpStatusCode.BadRequest,
        """{"code":"PGRST118","details":"'g_authors' and 'g_books' do not form a many-to-one or one-to-one relationship","hint":null,"message":"A related order on 'g_books' is not possible"}""")]
    [InlineData("g_books?select=id&order=g_authors(name)", HttpStatusCode.BadRequest,
        """{"code":"PGRST108","details":null,"hint":"Verify that 'g_authors' is included in the 'select' query parameter.","message":"'g_authors' is not an embedded resource in this request"}""")]
    [InlineData("g_books?select=id,g_authors(id)&order=g_authors(name)", HttpStatusCode.BadRequest,
        """{"code":"42703","details":null,"hint":null,"message":"column g_books_g_authors_1.name does not exist"}""")]
    public async Task Get_OrderByEmbedColumn_RefusedAsPostgrest(string query, HttpStatusCode status, string expected) =>
        await RestGrammarFixture.AssertErrorAsync(project, query, status, expected);

    [Theory]
    [InlineData("g_authors?select=name,...g_books(title,pages)&order=id&g_books.order=id",
        """[{"name":"Ursula","title":["Earthsea","Dispossessed"],"pages":[200,380]},{"name":"Italo","title":["Cities"],"pages":[150]},{"name":null,"title":["Nameless"],"pages":[100]},{"name":"Lonely","title":[],"pages":[]}]""")]
    [InlineData("g_authors?select=name,...g_books(t:title,p:pages)&id=lt.3&order=id&g_books.order=pages.desc",
        """[{"name":"Ursula","t":["Dispossessed","Earthsea"],"p":[380,200]},{"name":"Italo","t":["Cities"],"p":[150]}]""")]
    [InlineData("g_authors?select=name,...g_books!inner(title)&g_books.category=eq.fantasy&order=id",
        """[{"name":"Ursula","title":["Earthsea"]},{"name":"Italo","title":["Cities"]}]""")]
    [InlineData("g_authors?select=name,...g_books(title,g_tags(name))&id=eq.1&g_books.order=id&g_books.g_tags.order=name",
        """[{"name":"Ursula","title":["Earthsea","Dispossessed"],"g_tags":[[{"name":"a"},{"name":"b"}],[{"name":"a"}]]}]""")]
    [InlineData("g_authors?select=id,...g_books(book:id,...g_authors(author:name))&id=eq.2",
        """[{"id":2,"book":[3],"author":["Italo"]}]""")]
    public async Task Get_SpreadToMany_ReturnsCorrelatedArrays(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Fact]
    public async Task Get_AggregateInSpreadToMany_IsNotImplemented() =>
        await RestGrammarFixture.AssertErrorAsync(project, "g_authors?select=name,...g_books(pages.sum())", HttpStatusCode.BadRequest,
            """{"code":"PGRST127","details":"Aggregates are not implemented for one-to-many or many-to-many spreads.","hint":null,"message":"Feature not implemented"}""");

    // Postgres names the relation as PostgREST's query aliases it, and hints the closest column.
    [Theory]
    [InlineData("g_authors?select=id,g_books(titel)",
        """{"code":"42703","details":null,"hint":"Perhaps you meant to reference the column \"g_books_1.title\".","message":"column g_books_1.titel does not exist"}""")]
    [InlineData("g_authors?select=id,g_books(id,g_authors(nme))",
        """{"code":"42703","details":null,"hint":"Perhaps you meant to reference the column \"g_authors_2.name\".","message":"column g_authors_2.nme does not exist"}""")]
    [InlineData("g_books?select=id,g_tags(nme)",
        """{"code":"42703","details":null,"hint":"Perhaps you meant to reference the column \"g_tags.name\".","message":"column g_tags.nme does not exist"}""")]
    [InlineData("g_books?select=prize",
        """{"code":"42703","details":null,"hint":"Perhaps you meant to reference the column \"g_books.price\".","message":"column g_books.prize does not exist"}""")]
    [InlineData("g_books?select=i",
        """{"code":"42703","details":null,"hint":null,"message":"column g_books.i does not exist"}""")]
    [InlineData("g_authors?select=id,g_books(id)&g_books.nope=eq.1",
        """{"code":"42703","details":null,"hint":null,"message":"column g_books_1.nope does not exist"}""")]
    [InlineData("g_authors?select=id,g_books(id)&g_books.order=pagse",
        """{"code":"42703","details":null,"hint":"Perhaps you meant to reference the column \"g_books_1.pages\" or the column \"g_books_1.tags\".","message":"column g_books_1.pagse does not exist"}""")]
    public async Task Get_UnknownColumn_NamesThePostgrestAlias(string query, string expected) =>
        await RestGrammarFixture.AssertErrorAsync(project, query, HttpStatusCode.BadRequest, expected);

    // Postgres reads "rel"."count" as count("rel"): PostgREST's backwards compatible count.
    [Theory]
    [InlineData("g_authors?select=name,g_books(count)&order=id",
        """[{"name":"Ursula","g_books":[{"count":2}]},{"name":"Italo","g_books":[{"count":1}]},{"name":null,"g_books":[{"count":1}]},{"name":"Lonely","g_books":[{"count":0}]}]""")]
    [InlineData("g_books?select=count", """[{"count":10}]""")]
    public async Task Get_LegacyCount_CountsRows(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Fact]
    public async Task Get_EmbedPathByRelationNameOfAliasedEmbed_Applies() =>
        RestCalls.AssertJson(
            RestCalls.Json("""[{"id":1,"b":[{"id":2},{"id":1}]}]"""),
            (await RestGrammarFixture.OkAsync(project, "g_authors?select=id,b:g_books(id)&g_books.order=id.desc&id=eq.1")).Json);

    [Fact]
    public async Task Get_EmbedPathWithUnknownStep_NamesThatStep() =>
        await RestGrammarFixture.AssertErrorAsync(project, "g_authors?select=id,g_books(id)&g_books.g_tags.limit=1", HttpStatusCode.BadRequest,
            """{"code":"PGRST108","details":null,"hint":"Verify that 'g_tags' is included in the 'select' query parameter.","message":"'g_tags' is not an embedded resource in this request"}""");
}
