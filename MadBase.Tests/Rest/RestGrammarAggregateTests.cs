using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>PostgREST 13's aggregates: grouping by the selected columns, casts, aliases, inside embeds, hoisted out of to-one spreads.</summary>
[Collection(StackCollection.Name)]
public sealed class RestGrammarAggregateTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() => project = await RestGrammarFixture.ProjectAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("g_books?select=category,price.sum()&order=category",
        """[{"category":"fantasy","sum":17.75},{"category":"misc","sum":1},{"category":"odd","sum":null},{"category":"scifi","sum":20}]""")]
    [InlineData("g_books?select=count()", """[{"count":10}]""")]
    [InlineData("g_books?select=total:price.sum(),category&category=in.(fantasy,scifi)&order=category",
        """[{"total":17.75,"category":"fantasy"},{"total":20,"category":"scifi"}]""")]
    [InlineData("g_books?select=price.sum()::int", """[{"sum":39}]""")]
    [InlineData("g_books?select=data->n::int.sum()", """[{"sum":9}]""")]
    [InlineData("g_books?select=category,n:pages.count()&category=eq.scifi", """[{"category":"scifi","n":1}]""")]
    [InlineData("g_books?select=*,count()&id=eq.1",
        """[{"id":1,"title":"Earthsea","pages":200,"author_id":1,"category":"fantasy","price":10.5,"data":{"k":"x","n":5,"arr":[10,20]},"tags":["fantasy","classic"],"größe":1,"count":1}]""")]
    [InlineData("g_authors?select=name,g_books(category,pages.sum())&id=eq.1&g_books.order=category",
        """[{"name":"Ursula","g_books":[{"category":"fantasy","sum":200},{"category":"scifi","sum":380}]}]""")]
    [InlineData("g_books?select=category,...g_authors(id.max(),id.min())&category=neq.odd&order=category",
        """[{"category":"fantasy","max":2,"min":1},{"category":"misc","max":3,"min":3},{"category":"scifi","max":1,"min":1}]""")]
    [InlineData("g_books?select=category,...g_authors(c:count())&category=neq.odd&order=category",
        """[{"category":"fantasy","c":2},{"category":"misc","c":1},{"category":"scifi","c":1}]""")]
    public async Task Get_Aggregates_GroupAsPostgrest(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await RestGrammarFixture.OkAsync(project, query)).Json);

    [Fact]
    public async Task Get_AggregateNextToToOneSpread_GroupsByTheSpreadColumns() =>
        RestGrammarFixture.AssertSameRows(
            """[{"count":2,"name":"Ursula"},{"count":1,"name":"Italo"},{"count":2,"name":null}]""",
            (await RestGrammarFixture.OkAsync(project, "g_books?select=count(),...g_authors(name)&category=neq.odd")).Json);
}
