using System.Net;
using System.Net.Http.Headers;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Gateway;

/// <summary>Which project a request belongs to, and who may send it, decided at the gateway.</summary>
[Collection(StackCollection.Name)]
public sealed class GatewayApiKeyTests(StackFixture stack, GatewayRig rig) : IClassFixture<GatewayRig>, IAsyncLifetime
{
    private string DefaultRef => stack.Stack.ProjectRef;

    public Task InitializeAsync() => rig.EnsureStartedAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Request_NoApiKey_Returns401Json()
    {
        using var response = await rig.Client.GetAsync("/rest/v1/things");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(("no API key found in request", 401), await response.ErrorAsync());
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJyZWYiOiJkZWZhdWx0Iiwicm9sZSI6ImFub24ifQ.c2lnbmF0dXJl")]
    public async Task Request_WrongApiKey_Returns401Json(string apiKey)
    {
        using var response = await rig.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", apiKey));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(("invalid API key", 401), await response.ErrorAsync());
    }

    [Fact]
    public async Task Request_ForgedKeyWithTheRightRef_Returns401()
    {
        // Right ref and role, signed with another secret: the claim only says where to look.
        var forged = JwtIssuer.ApiKey(DefaultRef, "service_role", "some-other-secret-at-least-32-bytes-long", DateTimeOffset.UtcNow);

        using var response = await rig.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", forged));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_AnonKey_ForwardsProjectAndBearer()
    {
        var echo = await rig.Client.EchoAsync("/rest/v1/things", stack.AnonKey);

        Assert.Equal(DefaultRef, echo.Header("X-MadBase-Project"));
        Assert.Equal("Bearer " + stack.AnonKey, echo.Header("Authorization"));
    }

    [Fact]
    public async Task Request_OwnAuthorization_IsKept()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "user-session-token");

        var echo = await rig.Client.EchoAsync(request);

        Assert.Equal("Bearer user-session-token", echo.Header("Authorization"));
    }

    [Fact]
    public async Task Request_ClientSentProjectHeader_IsReplaced()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.ServiceRoleKey);
        request.Headers.Add("X-MadBase-Project", "other");

        var echo = await rig.Client.EchoAsync(request);

        Assert.Equal(DefaultRef, echo.Header("X-MadBase-Project"));
    }

    [Fact]
    public async Task Request_ApiKeyInQueryString_IsAccepted()
    {
        var echo = await rig.Client.EchoAsync(
            GatewayCalls.Request(HttpMethod.Get, "/realtime/v1/api/tenants?apikey=" + stack.AnonKey, apiKey: null));

        Assert.Equal(DefaultRef, echo.Header("X-MadBase-Project"));
    }

    [Theory]
    [InlineData("GET", "/storage/v1/object/public/avatars/a.png")]
    [InlineData("HEAD", "/storage/v1/object/sign/avatars/a.png?token=t")]
    [InlineData("GET", "/storage/v1/render/image/public/avatars/a.png")]
    [InlineData("GET", "/auth/v1/verify?token=t&type=signup")]
    [InlineData("GET", "/auth/v1/callback?code=c")]
    [InlineData("POST", "/auth/v1/callback")]
    [InlineData("GET", "/auth/v1/authorize?provider=github")]
    public async Task KeyOptionalRoute_NoApiKey_GoesToDefaultProject(string method, string path)
    {
        var request = GatewayCalls.Request(new HttpMethod(method), path, apiKey: null);
        request.Headers.Add("X-MadBase-Project", "forged");
        using var response = await rig.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (method == "HEAD")
        {
            return;
        }

        var echo = await response.ReadEchoAsync();
        Assert.Equal(DefaultRef, echo.Header("X-MadBase-Project"));
        Assert.Null(echo.Header("Authorization"));
    }

    [Theory]
    [InlineData("POST", "/storage/v1/object/sign/avatars/a.png")]
    [InlineData("GET", "/storage/v1/object/authenticated/avatars/a.png")]
    [InlineData("POST", "/auth/v1/verify")]
    [InlineData("GET", "/AUTH/V1/verify")]
    public async Task KeyRequiredRoute_NoApiKey_Returns401(string method, string path)
    {
        using var response = await rig.Client.SendAsync(GatewayCalls.Request(new HttpMethod(method), path, apiKey: null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task HostLabel_NamesAnotherProject_KeyOfTheHostProjectWorks_KeyOfAnotherIsRefused()
    {
        await using var other = await OtherProject.CreateAsync(stack.SystemConnectionString);

        var matching = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", other.Project.AnonKey);
        matching.Headers.Host = other.Project.Ref + ".api.example.test";
        var echo = await rig.Client.EchoAsync(matching);
        Assert.Equal(other.Project.Ref, echo.Header("X-MadBase-Project"));

        var mismatched = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        mismatched.Headers.Host = other.Project.Ref + ".api.example.test";
        using var refused = await rig.Client.SendAsync(mismatched);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(("invalid API key", 401), await refused.ErrorAsync());

        var publicObject = GatewayCalls.Request(HttpMethod.Get, "/storage/v1/object/public/b/x.png", apiKey: null);
        publicObject.Headers.Host = other.Project.Ref + ".api.example.test";
        Assert.Equal(other.Project.Ref, (await rig.Client.EchoAsync(publicObject)).Header("X-MadBase-Project"));
    }

    [Fact]
    public async Task HostLabel_NamesNoProject_IsIgnored()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        request.Headers.Host = "api.example.test";

        var echo = await rig.Client.EchoAsync(request);

        Assert.Equal(DefaultRef, echo.Header("X-MadBase-Project"));
    }

    /// <summary>
    /// A second project row in the system database, as the gateway reads it (no database behind it:
    /// the upstreams here are echo servers). Removed again afterwards.
    /// </summary>
    private sealed class OtherProject : IAsyncDisposable
    {
        private readonly string connectionString;

        private OtherProject(string connectionString, Project project)
        {
            this.connectionString = connectionString;
            Project = project;
        }

        public Project Project { get; }

        public static async Task<OtherProject> CreateAsync(string connectionString)
        {
            var projectRef = "gw" + ProjectRefs.New()[..12];
            var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
            var now = DateTimeOffset.UtcNow;
            var project = new Project(
                projectRef, "gateway test", "gwtest_" + projectRef, null, secret,
                JwtIssuer.ApiKey(projectRef, "anon", secret, now), JwtIssuer.ApiKey(projectRef, "service_role", secret, now),
                "unused", new ProjectSettings(), now);
            await ExecuteAsync(
                connectionString,
                """
                INSERT INTO madbase.projects (ref, name, db_name, jwt_secret, anon_key, service_role_key, authenticator_password)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                project.Ref, project.Name, project.DatabaseName, project.JwtSecret, project.AnonKey, project.ServiceRoleKey, project.AuthenticatorPassword);
            return new OtherProject(connectionString, project);
        }

        public async ValueTask DisposeAsync() =>
            await ExecuteAsync(connectionString, "DELETE FROM madbase.projects WHERE ref = $1", Project.Ref);

        private static async Task ExecuteAsync(string connectionString, string sql, params object[] values)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var value in values)
            {
                command.Parameters.AddWithValue(value);
            }

            await command.ExecuteNonQueryAsync();
        }
    }
}
