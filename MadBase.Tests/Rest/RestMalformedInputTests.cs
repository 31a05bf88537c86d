using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>Input that once made /rest/v1 answer 500 with a logged stack trace: each is now PostgREST's 4xx.</summary>
[Collection(StackCollection.Name)]
public sealed class RestMalformedInputTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-malformed", RestFixtureSql.Library + RestFixtureSql.WriteRules);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.b.c.d.e")] // a JWE's header, {"alg":"dir","enc":"A256GCM"}
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e.x")]
    public async Task Get_MalformedBearer_Returns401Pgrst301(string token)
    {
        var response = await project.SendAsync(HttpMethod.Get, "/rest/v1/books?select=id", token: token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("PGRST301", response.ErrorCode);
    }

    [Theory]
    [InlineData("/rest/v1/items", """{"id":10,"n\udc00ame":"x"}""")] // a key .NET cannot read: the payload's keys are the columns
    [InlineData("/rest/v1/items", """[{"id":11},{"\ud800":1}]""")]
    [InlineData("/rest/v1/rpc/add", """{"a":1,"b\ud800":2}""")] // the arguments are written out again as JSON
    [InlineData("/rest/v1/rpc/add", """{"a":"\ud800","b":1}""")]
    public async Task Post_LoneSurrogateTheServerReads_Returns400Pgrst102(string path, string body)
    {
        var response = await project.SendAsync(HttpMethod.Post, path, body, project.ServiceRoleKey);

        Assert.True(response.Status == HttpStatusCode.BadRequest, response.Body);
        Assert.Equal("PGRST102", response.ErrorCode);
    }

    [Fact]
    public async Task Post_LoneSurrogateInAValue_IsPostgresToJudge()
    {
        // Values go to Postgres as sent, as PostgREST sends them, and its JSON parser refuses the escape.
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/items", """{"id":12,"name":"\ud800"}""", project.ServiceRoleKey);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("22P02", response.ErrorCode);
    }
}
