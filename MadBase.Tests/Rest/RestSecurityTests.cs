using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>Row-level security through /rest/v1: two users, anon and service_role, and JWT failures.</summary>
[Collection(StackCollection.Name)]
public sealed class RestSecurityTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly Guid Alice = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-rls", RestFixtureSql.Library + $"""

            INSERT INTO notes (owner, body) VALUES ('{Alice}', 'alice 1'), ('{Alice}', 'alice 2'), ('{Bob}', 'bob 1');
            CREATE TABLE public.secrets (id int PRIMARY KEY);
            REVOKE ALL ON public.secrets FROM anon, authenticated;
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ApiResponse> Get(string query, string? token) => project.SendAsync(HttpMethod.Get, "/rest/v1/" + query, null, token);

    [Fact]
    public async Task Get_EachUser_SeesOnlyOwnRows()
    {
        RestCalls.AssertJson(RestCalls.Json("""[{"body":"alice 1"},{"body":"alice 2"}]"""), (await Get("notes?select=body&order=id", project.UserToken(Alice))).Json);
        RestCalls.AssertJson(RestCalls.Json("""[{"body":"bob 1"}]"""), (await Get("notes?select=body&order=id", project.UserToken(Bob))).Json);
    }

    [Fact]
    public async Task Get_Anon_SeesNothing()
    {
        var response = await Get("notes", null);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("[]"), response.Json);
    }

    [Fact]
    public async Task Get_ServiceRole_BypassesRls()
    {
        var response = await Get("notes?select=body&order=id&body=in.(\"alice 1\",\"bob 1\")", project.ServiceRoleKey);
        RestCalls.AssertJson(RestCalls.Json("""[{"body":"alice 1"},{"body":"bob 1"}]"""), response.Json);
    }

    [Fact]
    public async Task Post_AsUser_DefaultOwnerIsTheCaller()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/notes?select=owner,body", """{"body":"mine"}""", project.UserToken(Bob), ("Prefer", "return=representation"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(Bob.ToString(), response.Json![0]!["owner"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_ForgedOwner_Returns403ForUser()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/notes", $$"""{"owner":"{{Alice}}","body":"forged"}""", project.UserToken(Bob));
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Equal("42501", response.ErrorCode);
    }

    [Fact]
    public async Task Post_Anon_Returns401()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/notes", """{"body":"anon"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("42501", response.ErrorCode);
    }

    [Fact]
    public async Task Patch_OtherUsersRows_ChangesNothing()
    {
        var response = await project.SendAsync(HttpMethod.Patch, "/rest/v1/notes?body=eq.bob 1", """{"body":"hacked"}""", project.UserToken(Alice), ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.NoContent, response.Status);
        Assert.Equal("*/0", response.Header("Content-Range"));
        RestCalls.AssertJson(RestCalls.Json("""[{"body":"bob 1"}]"""), await project.QueryJsonAsync($"SELECT body FROM notes WHERE owner = '{Bob}' AND body = 'bob 1'"));
    }

    [Fact]
    public async Task Get_NoPrivilege_Returns401ForAnonAnd403ForUser()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get("secrets", null)).Status);
        var user = await Get("secrets", project.UserToken(Alice));
        Assert.Equal(HttpStatusCode.Forbidden, user.Status);
        Assert.Equal("42501", user.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, (await Get("secrets", project.ServiceRoleKey)).Status);
    }

    [Fact]
    public async Task Get_InvalidJwt_Returns401PGRST301()
    {
        var response = await Get("notes", project.UserToken(Alice)[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("PGRST301", response.ErrorCode);
    }

    [Fact]
    public async Task Get_ReadOnlyTransaction_RejectsWritesFromGet()
    {
        await project.ExecuteAsync("CREATE OR REPLACE FUNCTION public.sneaky() RETURNS SETOF notes LANGUAGE sql AS $$ DELETE FROM notes RETURNING * $$");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var response = await Get("rpc/sneaky", project.ServiceRoleKey);
            if (response.Status != HttpStatusCode.NotFound)
            {
                Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
                break;
            }

            await Task.Delay(100);
        }

        RestCalls.AssertJson(RestCalls.Json("[{\"count\":3}]"), await project.QueryJsonAsync($"SELECT count(*) FROM notes WHERE owner IN ('{Alice}', '{Bob}') AND body NOT IN ('mine')"));
    }
}
