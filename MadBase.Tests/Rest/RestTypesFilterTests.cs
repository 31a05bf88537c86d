using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>Filters and JSON paths over typed columns: each response against the same query run in Postgres.</summary>
[Collection(StackCollection.Name)]
public sealed class RestTypesFilterTests(StackFixture stack) : IAsyncLifetime
{
    private const string Schema = """
        CREATE TYPE public.tag_point AS (x int, label text);
        CREATE TABLE public.things (
          id int PRIMARY KEY, name text, tags text[], nums int[], cp public.tag_point, data jsonb, body text, ir int4range
        );
        INSERT INTO public.things VALUES
          (1, 'a,b', '{a,b}', '{1,2}', '(1,one)', '{"k":"x","list":[10,20]}', 'The fat cats', '[1,5)'),
          (2, 'say "hi"', '{b,c}', '{3}', '(2,two)', '{"k":"y","list":[30]}', 'A quick brown fox', '[5,10)'),
          (3, '(paren)', '{}', NULL, NULL, '{"k":"z"}', 'fat fox', '[20,30)'),
          (4, 'x"y', NULL, NULL, NULL, NULL, NULL, NULL);
        """;

    private TestProject project = null!;

    public async Task InitializeAsync() => project = await TestProject.SharedAsync(stack, "rest-types-filter", Schema);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("things?select=id&name=like(any).{a*,(*}&order=id", "SELECT id FROM things WHERE name LIKE ANY ('{a%,(%}') ORDER BY id")]
    [InlineData("things?select=id&name=ilike(all).{*A*,*B*}&order=id", "SELECT id FROM things WHERE name ILIKE ALL ('{%a%,%b%}') ORDER BY id")]
    [InlineData("things?select=id&name=eq(any).{\"a,b\",\"x\\\"y\"}&order=id", "SELECT id FROM things WHERE name = ANY ('{\"a,b\",\"x\\\"y\"}') ORDER BY id")]
    [InlineData("things?select=id&name=in.(say \"hi\",x\"y)&order=id", "SELECT id FROM things WHERE name IN ('say \"hi\"', 'x\"y') ORDER BY id")]
    [InlineData("things?select=id&name=in.(\"a,b\",\"(paren)\")&order=id", "SELECT id FROM things WHERE name IN ('a,b', '(paren)') ORDER BY id")]
    [InlineData("things?select=id&name=in.(a(b,\"say \\\"hi\\\"\")&order=id", "SELECT id FROM things WHERE name IN ('a(b', 'say \"hi\"') ORDER BY id")]
    [InlineData("things?select=id&id=in.()", "SELECT id FROM things WHERE FALSE")]
    [InlineData("things?select=id&cp->>label=eq.two", "SELECT id FROM things WHERE (cp).label = 'two'")]
    [InlineData("things?select=id&tags->>1=eq.c", "SELECT id FROM things WHERE tags[2] = 'c'")]
    [InlineData("things?select=id,label:cp->>label,x:cp->x,first:nums->0&order=id", "SELECT id, (cp).label AS label, (cp).x AS x, nums[1] AS first FROM things ORDER BY id")]
    [InlineData("things?select=id&order=cp->>label.desc.nullslast,id", "SELECT id FROM things ORDER BY (cp).label DESC NULLS LAST, id")]
    [InlineData("things?select=id&data->list->>1=eq.20", "SELECT id FROM things WHERE data->'list'->>1 = '20'")]
    [InlineData("things?select=id&body=fts(english).fox&order=id", "SELECT id FROM things WHERE to_tsvector('english', body) @@ to_tsquery('english', 'fox') ORDER BY id")]
    [InlineData("things?select=id&data=fts.x", "SELECT id FROM things WHERE to_tsvector(data) @@ to_tsquery('x')")]
    [InlineData("things?select=id&or=(name.like(any).{a*,(*},id.eq.4)&order=id", "SELECT id FROM things WHERE name LIKE ANY ('{a%,(%}') OR id = 4 ORDER BY id")]
    [InlineData("things?select=id&or=(name.eq.x\"y,name.eq.\"a,b\")&order=id", "SELECT id FROM things WHERE name IN ('x\"y', 'a,b') ORDER BY id")]
    [InlineData("things?select=id&or=(tags.cs.{c},name.eq.a})&order=id", "SELECT id FROM things WHERE tags @> '{c}' ORDER BY id")]
    public async Task Get_TypedFilter_ReturnsTheSameRowsAsSql(string query, string sql)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        RestCalls.AssertJson(await project.QueryJsonAsync(sql), response.Json);
    }

    [Theory]
    [InlineData("things?name=in.(a,b")]
    [InlineData("things?name=in.a,b")]
    public async Task Get_MalformedInList_Returns400PGRST100(string query)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST100", response.ErrorCode);
    }
}
