using System.Net;
using System.Net.Http.Headers;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Stack;

/// <summary>
/// A key of one project never reaches another project, whatever internal header a client sends: the
/// gateway replaces the header, and a worker reached directly still checks the bearer against the project.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TenantIsolationTests(StackFixture stack) : IAsyncLifetime
{
    private string otherRef = null!;
    private string otherAnonKey = null!;

    public async Task InitializeAsync()
    {
        var other = await TestProject.CreateAsync(stack, "isolation", new { auth = new { disable_signup = true } });
        (otherRef, otherAnonKey) = (other.Ref, other.AnonKey);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Gateway_ForgedProjectHeader_IsReplacedByTheKeysProject()
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/settings", stack.AnonKey);
        request.Headers.Add(ProjectHeaders.ProjectRef, otherRef);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await TestHttp.JsonAsync(response)).GetProperty("disable_signup").GetBoolean());
    }

    [Fact]
    public async Task Gateway_OtherProjectsKey_ReachesOnlyThatProject()
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/settings", otherAnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await TestHttp.JsonAsync(response)).GetProperty("disable_signup").GetBoolean());
    }

    [Fact]
    public async Task Gateway_KeyOfOneProjectWithAnothersBearer_IsRefused()
    {
        using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/auth/v1/settings", stack.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", otherAnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Worker_ForgedHeaderWithAnotherProjectsKey_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, WorkerUrl("/auth/v1/settings"));
        request.Headers.Add(ProjectHeaders.ProjectRef, otherRef);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("bad_jwt", response.Headers.GetValues("x-sb-error-code").Single());
    }

    [Fact]
    public async Task Worker_ForgedHeaderWithoutAnyKey_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, WorkerUrl("/auth/v1/settings"));
        request.Headers.Add(ProjectHeaders.ProjectRef, otherRef);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Worker_HeaderWithThatProjectsOwnKey_IsServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, WorkerUrl("/auth/v1/settings"));
        request.Headers.Add(ProjectHeaders.ProjectRef, otherRef);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", otherAnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Worker_UnknownProject_IsNotFound()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, WorkerUrl("/auth/v1/settings"));
        request.Headers.Add(ProjectHeaders.ProjectRef, "nosuchproject");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private string WorkerUrl(string path) => stack.Stack.Workers[0].Url.ToString().TrimEnd('/') + path;
}
