using System.Net;
using System.Net.Http.Headers;
using MadBase.Cli;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>
/// A gateway in co-located mode (<c>Gateway__CoLocated</c>) beside the second stack: it runs the worker in its own
/// process and answers the APIs itself, after the edge's steps. The supabase-js suite runs against a whole
/// co-located stack too (test.sh); these are the edge's promises that only hold if the steps run in that order.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class CoLocatedGatewayTests(SecondStackFixture stack) : IAsyncLifetime
{
    private const string Setup = """
        CREATE TABLE public.notes (id int PRIMARY KEY, owner uuid NOT NULL, body text NOT NULL);
        ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own ON public.notes FOR SELECT TO authenticated USING (owner = auth.uid());
        GRANT SELECT ON public.notes TO anon, authenticated;
        """;

    private static readonly Guid Alice = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();

    private TempDirectory? data;
    private GatewayProcess? node;

    private GatewayProcess Node => node ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        data = TempDirectory.Create("mbco");
        node = await GatewayProcess.StartAsync(stack, workers: [], settings: new Dictionary<string, string>
        {
            ["Gateway__CoLocated"] = "true",
            ["services__control__http__0"] = stack.Stack.ControlUrl,
            ["Storage__FileRoot"] = data.Combine("storage"),
            ["Functions__DataDirectory"] = data.Combine("functions"),
        });
    }

    public async Task DisposeAsync()
    {
        if (node is not null)
        {
            await node.DisposeAsync();
        }

        data?.Dispose();
    }

    [Fact]
    public async Task Rest_ServedInProcess_RunsUnderTheCallersRls()
    {
        var project = await TestProject.SharedAsync(stack, "colocated-rls", Setup + $"""
            INSERT INTO public.notes VALUES (1, '{Alice}', 'alice''s'), (2, '{Bob}', 'bob''s');
            """);

        var asAlice = await GetAsync(project.AnonKey, "/rest/v1/notes?select=id,body", project.UserToken(Alice));
        var asAnon = await GetAsync(project.AnonKey, "/rest/v1/notes?select=id");

        Assert.Equal(HttpStatusCode.OK, asAlice.Status);
        Assert.Equal("""[{"id":1,"body":"alice's"}]""", asAlice.Body);
        Assert.Equal("[]", asAnon.Body);
    }

    [Fact]
    public async Task ForgedProjectHeader_NamesNoOtherProject()
    {
        var mine = await TestProject.SharedAsync(stack, "colocated-mine", Setup + $"INSERT INTO public.notes VALUES (1, '{Alice}', 'mine');");
        var theirs = await TestProject.SharedAsync(stack, "colocated-theirs", Setup + $"INSERT INTO public.notes VALUES (1, '{Alice}', 'theirs');");

        var forged = await GetAsync(mine.AnonKey, "/rest/v1/notes?select=body", mine.UserToken(Alice), (ProjectHeaders.ProjectRef, theirs.Ref));
        var withoutKey = await GetAsync(null, "/rest/v1/notes?select=body", theirs.UserToken(Alice), (ProjectHeaders.ProjectRef, theirs.Ref));

        Assert.Equal("""[{"body":"mine"}]""", forged.Body);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.Status);
        Assert.Equal("no API key found in request", withoutKey.Element.GetProperty("error").GetString());
    }

    [Fact]
    public async Task PublicPort_ServesTheApisAndControlButNoMetrics()
    {
        var metrics = await GetAsync(null, "/metrics");
        var admin = await SendAsync(HttpMethod.Get, "/admin/v1/projects", null, stack.AdminPassword);
        var unknown = await GetAsync(null, "/internal/anything");

        Assert.Equal(HttpStatusCode.NotFound, metrics.Status);
        Assert.Equal(HttpStatusCode.OK, admin.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [Fact]
    public async Task Start_CoLocatedWithWorkersListed_FailsNamingTheConflict()
    {
        await using var gateway = GatewayProcess.Create(stack, [new Uri("http://127.0.0.1:9")], null, new Dictionary<string, string> { ["Gateway__CoLocated"] = "true" });

        var failure = await Assert.ThrowsAsync<LocalStackException>(gateway.StartAsync);

        Assert.Contains("Gateway__CoLocated", failure.Message, StringComparison.Ordinal);
    }

    private Task<ApiResponse> GetAsync(string? apiKey, string path, string? token = null, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, apiKey, token, headers);

    private async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? apiKey, string? token, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(Node.Url, path));
        if (apiKey is not null)
        {
            request.Headers.Add("apikey", apiKey);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Node.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }
}
