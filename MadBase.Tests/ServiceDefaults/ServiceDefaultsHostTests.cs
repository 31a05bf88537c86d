using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using MadBase.ServiceDefaults.Errors;
using MadBase.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MadBase.Tests.ServiceDefaults;

/// <summary>AddServiceDefaults in a real Kestrel host, on loopback, against the real system database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ServiceDefaultsHostTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);
    private WebApplication app = null!;
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:madbase"] = postgres.SystemConnectionString,
        });
        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("self");

        app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        app.MapGet("/bad-request", () => ErrorResponse.Result(400, "x"));
        app.MapGet("/sql-error", async (MadBase.ServiceDefaults.Database.SystemDatabase db) =>
        {
            await using var command = db.DataSource.CreateCommand("SELECT secret FROM no_such_table_xyz WHERE password = 'hunter2'");
            return await command.ExecuteScalarAsync();
        });
        app.MapGet("/echo-request-id", (HttpContext context) => context.Request.Headers["X-Request-Id"].ToString());
        app.MapGet("/call-out", async (IHttpClientFactory factory, HttpContext context) =>
        {
            var self = factory.CreateClient("self");
            var url = $"{context.Request.Scheme}://{context.Request.Host}/echo-request-id";
            return await self.GetStringAsync(url);
        });
        // 503 the first time a key is called, 200 after: what a retry would get past.
        app.MapMethods("/unavailable-once/{key}", ["GET", "POST"], (string key) =>
            calls.AddOrUpdate(key, 1, static (_, n) => n + 1) == 1 ? Results.StatusCode(503) : Results.Ok());
        await app.StartAsync();
        client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task ErrorResponse_HasTheSharedShape()
    {
        using var response = await client.GetAsync("/bad-request");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("""{"error":"x","code":400}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DatabaseError_NeverShowsSqlOrValues()
    {
        using var response = await client.GetAsync("/sql-error");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("""{"error":"database error","code":500}""", body);
        Assert.DoesNotContain("no_such_table", body, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ChecksPostgres_AndAnswersJson()
    {
        using var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());

        using var alive = await client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task RequestId_GeneratedWhenAbsent_AndReturned()
    {
        using var response = await client.GetAsync("/echo-request-id");
        var returned = response.Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", returned);
        Assert.Equal(returned, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RequestId_KeptWhenSane_ReplacedWhenNot()
    {
        using var kept = new HttpRequestMessage(HttpMethod.Get, "/echo-request-id");
        kept.Headers.Add("X-Request-Id", "client-id-42");
        using var keptResponse = await client.SendAsync(kept);
        Assert.Equal("client-id-42", keptResponse.Headers.GetValues("X-Request-Id").Single());

        using var replaced = new HttpRequestMessage(HttpMethod.Get, "/echo-request-id");
        replaced.Headers.TryAddWithoutValidation("X-Request-Id", new string('z', 200));
        using var replacedResponse = await client.SendAsync(replaced);
        Assert.Matches("^[0-9a-f]{32}$", replacedResponse.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task RequestId_PassedOnOutgoingHttpCalls()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/call-out");
        request.Headers.Add("X-Request-Id", "outgoing-7");
        using var response = await client.SendAsync(request);
        Assert.Equal("outgoing-7", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OutgoingHttp_SafeMethodAnswered503_IsRetried()
    {
        var self = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("self");

        using var response = await self.GetAsync(new Uri(new Uri(app.Urls.First()), "/unavailable-once/get"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, calls["get"]);
    }

    [Fact]
    public async Task OutgoingHttp_PostAnswered503_IsSentOnce()
    {
        var self = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("self");

        using var response = await self.PostAsync(new Uri(new Uri(app.Urls.First()), "/unavailable-once/post"), new StringContent("{}"));

        // A POST whose answer was an error may still have done its work; sending it again could do it twice.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, calls["post"]);
    }

    [Fact]
    public async Task Health_UnreachableDatabase_Is503()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var unreachable = new NpgsqlConnectionStringBuilder(postgres.SystemConnectionString) { Port = FreePorts.Next(), Timeout = 1 };
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:madbase"] = unreachable.ConnectionString });
        builder.AddServiceDefaults();
        await using var down = builder.Build();
        down.MapDefaultEndpoints();
        await down.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(down.Urls.First()) };
        using var response = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"Unhealthy\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await down.StopAsync();
    }
}
