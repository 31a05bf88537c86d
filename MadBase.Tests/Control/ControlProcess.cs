using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Cli;
using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Control;

/// <summary>
/// The Control service as its own process on a free port, against a system database of its own in the
/// shared test cluster, so its tests neither see nor disturb anyone else's projects. Its default project
/// gets a unique ref too: project databases and login roles are cluster-wide names.
/// </summary>
internal sealed class ControlProcess : IAsyncDisposable
{
    public const string AdminPassword = "control-tests-admin-password";

    private static readonly HttpClient HealthClient = new();
    private readonly ServiceProcess service;
    private readonly TempDirectory logs;

    private ControlProcess(ServiceProcess service, TempDirectory logs, string systemConnectionString, string defaultRef)
    {
        this.service = service;
        this.logs = logs;
        SystemConnectionString = systemConnectionString;
        DefaultRef = defaultRef;
        Client = new HttpClient { BaseAddress = service.Url };
    }

    public string SystemConnectionString { get; }

    public string DefaultRef { get; }

    /// <summary>No credentials of its own: use <see cref="SendAsync"/> for admin calls.</summary>
    public HttpClient Client { get; }

    public IReadOnlyList<string> RecentOutput => service.RecentOutput();

    /// <summary>A Control with a fresh system database (unless <paramref name="systemDatabase"/> names an existing one).</summary>
    public static ControlProcess Create(
        PostgresFixture postgres, string? systemDatabase = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        systemDatabase ??= NewSystemDatabaseName();
        var defaultRef = environment?.GetValueOrDefault("Projects__DefaultRef") ?? UniqueRef("dflt");
        var systemConnectionString = postgres.ConnectionString(systemDatabase);
        var variables = new Dictionary<string, string?>
        {
            ["ConnectionStrings__madbase"] = systemConnectionString,
            ["ConnectionStrings__redis"] = postgres.RedisConnectionString,
            ["Admin__Password"] = AdminPassword,
            ["Projects__DefaultRef"] = defaultRef,
            ["Auth__JwtSecret"] = null,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        var dll = ServiceBinaries.Locate("Control", new LocalStackOptions { DataDirectory = Path.GetTempPath() });
        var definition = new ServiceDefinition("control", dll, FreePorts.Take(), "--control-port", variables);
        var logs = TempDirectory.Create("mbctl");
        var process = new ServiceProcess(definition, logs.Combine("control.log"), HealthClient, TimeSpan.FromSeconds(90));
        return new ControlProcess(process, logs, systemConnectionString, defaultRef);
    }

    public static async Task<ControlProcess> StartAsync(PostgresFixture postgres, string? systemDatabase = null)
    {
        systemDatabase ??= NewSystemDatabaseName();
        await postgres.EnsureDatabaseAsync(systemDatabase);
        var control = Create(postgres, systemDatabase);
        try
        {
            await control.StartAsync();
            return control;
        }
        catch
        {
            await control.DisposeAsync();
            throw;
        }
    }

    public static string NewSystemDatabaseName() => "control_" + ProjectRefs.New()[..12];

    /// <summary>A valid ref no other test uses.</summary>
    public static string UniqueRef(string prefix) => prefix + ProjectRefs.New()[..12];

    public Task StartAsync() => service.StartAsync(CancellationToken.None);

    public Task StopAsync() => service.StopAsync();

    /// <summary>An admin call with the bearer password (or the given Authorization), JSON body optional.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, string? json = null, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = authorization ?? new AuthenticationHeaderValue("Bearer", AdminPassword);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Client.SendAsync(request);
    }

    public async Task<JsonElement> SendForJsonAsync(HttpMethod method, string path, string? json = null)
    {
        using var response = await SendAsync(method, path, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await service.DisposeAsync();
        Client.Dispose();
        logs.Dispose();
    }
}
