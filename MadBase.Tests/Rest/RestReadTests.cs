using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>GET grammar: each feature's response rows against the same query run directly in Postgres.</summary>
[Collection(StackCollection.Name)]
public sealed class RestReadTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-read", RestFixtureSql.Library, new { rest = new { aggregates_enabled = true } });

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("books?select=id,title&order=id", "SELECT id, title FROM books ORDER BY id")]
    [InlineData("books?order=id", "SELECT * FROM books ORDER BY id")]
    [InlineData("books?select=name:title,id&order=id.desc", "SELECT title AS name, id FROM books ORDER BY id DESC")]
    [InlineData("books?select=id,pages::text&order=id", "SELECT id, pages::text AS pages FROM books ORDER BY id")]
    [InlineData("books?select=id,meta->stats->reads,isbn:meta->>isbn&order=id", "SELECT id, meta->'stats'->'reads' AS reads, meta->>'isbn' AS isbn FROM books ORDER BY id")]
    [InlineData("books?select=id&pages=gt.200&order=id", "SELECT id FROM books WHERE pages > 200 ORDER BY id")]
    [InlineData("books?select=id&pages=gte.220&pages=lte.380&order=id", "SELECT id FROM books WHERE pages BETWEEN 220 AND 380 ORDER BY id")]
    [InlineData("books?select=id&pages=neq.200&order=id", "SELECT id FROM books WHERE pages <> 200 ORDER BY id")]
    [InlineData("books?select=id&pages=lt.200&order=id", "SELECT id FROM books WHERE pages < 200 ORDER BY id")]
    [InlineData("books?select=id&title=like.*s*&order=id", "SELECT id FROM books WHERE title LIKE '%s%' ORDER BY id")]
    [InlineData("books?select=id&title=ilike.*S*&order=id", "SELECT id FROM books WHERE title ILIKE '%s%' ORDER BY id")]
    [InlineData("books?select=id&title=match.^[DS]&order=id", "SELECT id FROM books WHERE title ~ '^[DS]' ORDER BY id")]
    [InlineData("books?select=id&title=imatch.^[ds]&order=id", "SELECT id FROM books WHERE title ~* '^[ds]' ORDER BY id")]
    [InlineData("books?select=id&pages=is.null", "SELECT id FROM books WHERE pages IS NULL")]
    [InlineData("books?select=id&pages=not.is.null&order=id", "SELECT id FROM books WHERE pages IS NOT NULL ORDER BY id")]
    [InlineData("books?select=id&pages=isdistinct.200&order=id", "SELECT id FROM books WHERE pages IS DISTINCT FROM 200 ORDER BY id")]
    [InlineData("books?select=id&id=in.(1,3,5)&order=id", "SELECT id FROM books WHERE id IN (1, 3, 5) ORDER BY id")]
    [InlineData("books?select=id&title=in.(\"Invisible Cities\",Solaris)&order=id", "SELECT id FROM books WHERE title IN ('Invisible Cities', 'Solaris') ORDER BY id")]
    [InlineData("books?select=id&id=not.in.(1,3,5)&order=id", "SELECT id FROM books WHERE id NOT IN (1, 3, 5) ORDER BY id")]
    [InlineData("books?select=id&tags=cs.{classic}&order=id", "SELECT id FROM books WHERE tags @> '{classic}' ORDER BY id")]
    [InlineData("books?select=id&tags=cd.{scifi,classic}&order=id", "SELECT id FROM books WHERE tags <@ '{scifi,classic}' ORDER BY id")]
    [InlineData("books?select=id&tags=ov.{fantasy,scifi}&order=id", "SELECT id FROM books WHERE tags && '{fantasy,scifi}' ORDER BY id")]
    [InlineData("books?select=id&meta=cs.{\"isbn\":\"3\"}", "SELECT id FROM books WHERE meta @> '{\"isbn\":\"3\"}'")]
    [InlineData("books?select=id&title=fts.earthsea", "SELECT id FROM books WHERE to_tsvector(title) @@ to_tsquery('earthsea')")]
    [InlineData("books?select=id&title=plfts(english).invisible%20cities", "SELECT id FROM books WHERE to_tsvector('english', title) @@ plainto_tsquery('english', 'invisible cities')")]
    [InlineData("books?select=id&title=wfts.solaris%20or%20earthsea&order=id", "SELECT id FROM books WHERE to_tsvector(title) @@ websearch_to_tsquery('solaris or earthsea') ORDER BY id")]
    [InlineData("books?select=id&title=like(any).{E*,S*}&order=id", "SELECT id FROM books WHERE title LIKE ANY ('{E%,S%}') ORDER BY id")]
    [InlineData("books?select=id&pages=gt(all).{100,190}&order=id", "SELECT id FROM books WHERE pages > ALL ('{100,190}') ORDER BY id")]
    [InlineData("books?select=id&or=(pages.gt.300,title.eq.Solaris)&order=id", "SELECT id FROM books WHERE pages > 300 OR title = 'Solaris' ORDER BY id")]
    [InlineData("books?select=id&or=(pages.gt.300,and(tags.cs.{classic},pages.not.is.null))&order=id", "SELECT id FROM books WHERE pages > 300 OR (tags @> '{classic}' AND pages IS NOT NULL) ORDER BY id")]
    [InlineData("books?select=id&not.or=(id.eq.1,id.eq.2)&order=id", "SELECT id FROM books WHERE NOT (id = 1 OR id = 2) ORDER BY id")]
    [InlineData("books?select=id&and=(id.gt.1,or(id.lt.3,id.eq.5))&order=id", "SELECT id FROM books WHERE id > 1 AND (id < 3 OR id = 5) ORDER BY id")]
    [InlineData("books?select=id&or=(title.eq.\"a,b\",id.in.(4,5))&order=id", "SELECT id FROM books WHERE title = 'a,b' OR id IN (4, 5) ORDER BY id")]
    [InlineData("books?select=id,pages&order=pages.desc.nullsfirst,id", "SELECT id, pages FROM books ORDER BY pages DESC NULLS FIRST, id")]
    [InlineData("books?select=id,pages&order=pages.asc.nullslast", "SELECT id, pages FROM books ORDER BY pages ASC NULLS LAST")]
    [InlineData("books?select=id&order=meta->>isbn.desc.nullslast,id", "SELECT id FROM books ORDER BY meta->>'isbn' DESC NULLS LAST, id")]
    [InlineData("books?select=id&order=id&limit=2&offset=1", "SELECT id FROM books ORDER BY id LIMIT 2 OFFSET 1")]
    [InlineData("books?select=id&meta->>isbn=eq.3", "SELECT id FROM books WHERE meta->>'isbn' = '3'")]
    [InlineData("books?select=title,author:authors(name)&order=id", "SELECT b.title, json_build_object('name', a.name) AS author FROM books b LEFT JOIN authors a ON a.id = b.author_id ORDER BY b.id")]
    [InlineData("books?select=title,author_id(name)&id=eq.3", "SELECT b.title, json_build_object('name', a.name) AS author_id FROM books b JOIN authors a ON a.id = b.author_id WHERE b.id = 3")]
    [InlineData("authors?select=name,books(title)&books.order=id.desc&order=id", "SELECT a.name, (SELECT coalesce(json_agg(json_build_object('title', b.title) ORDER BY b.id DESC), '[]') FROM books b WHERE b.author_id = a.id) AS books FROM authors a ORDER BY a.id")]
    [InlineData("authors?select=name,books(title)&books.limit=1&books.order=id&order=id", "SELECT a.name, (SELECT coalesce(json_agg(json_build_object('title', x.title)), '[]') FROM (SELECT title FROM books b WHERE b.author_id = a.id ORDER BY id LIMIT 1) x) AS books FROM authors a ORDER BY a.id")]
    [InlineData("authors?select=name,books(title)&books.pages=gt.200&order=id", "SELECT a.name, (SELECT coalesce(json_agg(json_build_object('title', b.title) ORDER BY b.id), '[]') FROM books b WHERE b.author_id = a.id AND b.pages > 200) AS books FROM authors a ORDER BY a.id")]
    [InlineData("authors?select=name,books!inner(title)&books.pages=gt.300", "SELECT a.name, json_build_array(json_build_object('title', b.title)) AS books FROM authors a JOIN books b ON b.author_id = a.id WHERE b.pages > 300")]
    [InlineData("books?select=title,authors!inner(name)&authors.country=eq.PL&order=id", "SELECT b.title, json_build_object('name', a.name) AS authors FROM books b JOIN authors a ON a.id = b.author_id WHERE a.country = 'PL' ORDER BY b.id")]
    [InlineData("books?select=title,genres(name)&id=eq.1", "SELECT 'Earthsea' AS title, '[{\"name\":\"fantasy\"},{\"name\":\"literary\"}]'::json AS genres")]
    [InlineData("genres?select=name,books(title)&id=eq.3", "SELECT 'literary' AS name, '[{\"title\":\"Earthsea\"},{\"title\":\"Invisible Cities\"}]'::json AS books")]
    [InlineData("books?select=title,...authors(author_name:name,country)&order=id&limit=2", "SELECT b.title, a.name AS author_name, a.country FROM books b JOIN authors a ON a.id = b.author_id ORDER BY b.id LIMIT 2")]
    [InlineData("books?select=title,authors!books_author_id_fkey(name)&id=eq.5", "SELECT 'Invisible Cities' AS title, json_build_object('name', 'Italo') AS authors")]
    [InlineData("books?select=count()", "SELECT count(*) AS count FROM books")]
    [InlineData("books?select=author_id,pages.sum(),pages.max()&order=author_id", "SELECT author_id, sum(pages) AS sum, max(pages) AS max FROM books GROUP BY author_id ORDER BY author_id")]
    public async Task Get_Grammar_ReturnsTheSameRowsAsSql(string query, string sql)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        RestCalls.AssertJson(await project.QueryJsonAsync(sql), response.Json);
    }

    [Fact]
    public async Task Get_CountExactWithLimit_Returns206AndContentRange()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id&order=id&limit=2&offset=1", ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.PartialContent, response.Status);
        Assert.Equal("1-2/5", response.Header("Content-Range"));
        RestCalls.AssertJson(RestCalls.Json("[{\"id\":2},{\"id\":3}]"), response.Json);
    }

    [Fact]
    public async Task Get_WholeRangeCounted_Returns200()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id", ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("0-4/5", response.Header("Content-Range"));
    }

    [Fact]
    public async Task Get_RangeHeader_LimitsRows()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id&order=id", ("Range-Unit", "items"), ("Range", "2-3"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("2-3/*", response.Header("Content-Range"));
        RestCalls.AssertJson(RestCalls.Json("[{\"id\":3},{\"id\":4}]"), response.Json);
    }

    [Fact]
    public async Task Get_OffsetBeyondTotal_Returns416()
    {
        var response = await project.GetAsync("/rest/v1/books?offset=10", ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.Status);
        Assert.Equal("PGRST103", response.ErrorCode);
    }

    [Fact]
    public async Task Get_CountPlanned_ReturnsAnEstimate()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id&limit=1", ("Prefer", "count=planned"));
        Assert.True(response.Status is HttpStatusCode.OK or HttpStatusCode.PartialContent, response.Body);
        var total = response.Header("Content-Range")!.Split('/')[1];
        Assert.True(long.TryParse(total, out var estimate) && estimate > 0, total);
    }

    [Fact]
    public async Task Head_Count_ReturnsHeadersOnly()
    {
        var response = await project.SendAsync(HttpMethod.Head, "/rest/v1/books", null, null, ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("0-4/5", response.Header("Content-Range"));
        Assert.Equal(string.Empty, response.Body);
    }

    [Fact]
    public async Task Get_SingleObjectOneRow_ReturnsTheObject()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id,title&id=eq.3", ("Accept", "application/vnd.pgrst.object+json"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("{\"id\":3,\"title\":\"Solaris\"}"), response.Json);
    }

    [Theory]
    [InlineData("id=gt.1", 4)]
    [InlineData("id=eq.99", 0)]
    public async Task Get_SingleObjectNotOneRow_Returns406(string filter, int rows)
    {
        var response = await project.GetAsync("/rest/v1/books?" + filter, ("Accept", "application/vnd.pgrst.object+json"));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        Assert.Equal("PGRST116", response.ErrorCode);
        Assert.Equal($"The result contains {rows} rows", response.Json!["details"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_NullsStripped_OmitsNullKeys()
    {
        var response = await project.GetAsync("/rest/v1/books?select=id,pages&id=eq.4", ("Accept", "application/vnd.pgrst.array+json;nulls=stripped"));
        RestCalls.AssertJson(RestCalls.Json("[{\"id\":4}]"), response.Json);
    }

    [Fact]
    public async Task Get_Csv_ReturnsHeaderAndLines()
    {
        var response = await project.GetAsync("/rest/v1/authors?select=name,country&order=id", ("Accept", "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("name,country\nUrsula,US\nStanislaw,PL\nItalo,", response.Body);
    }

    [Fact]
    public async Task Get_AcceptProfileNotExposed_Returns406()
    {
        var response = await project.GetAsync("/rest/v1/books", ("Accept-Profile", "auth"));
        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        Assert.Equal("PGRST106", response.ErrorCode);
    }

    [Fact]
    public async Task Get_OpenApi_DescribesTables()
    {
        var response = await project.GetAsync("/rest/v1/");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("2.0", response.Json!["swagger"]!.GetValue<string>());
        Assert.NotNull(response.Json["paths"]!["/books"]);
        Assert.Equal("integer", response.Json["definitions"]!["books"]!["properties"]!["pages"]!["type"]!.GetValue<string>());
    }
}
