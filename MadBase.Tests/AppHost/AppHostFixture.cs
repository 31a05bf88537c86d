using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TempDirectory = MadBase.Tests.Infrastructure.TempDirectory;

namespace MadBase.Tests.AppHost;

/// <summary>
/// MadBase.AppHost's app model, started once for the "apphost" collection through Aspire.Hosting.Testing in
/// its executables mode (no container engine here), with its data in a temporary directory and ports chosen
/// by DCP; every resource healthy before the first test.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly string[] ResourceNames = ["postgres", "madbase", "redis", "control", "worker-1", "worker-2", "gateway"];

    private TempDirectory? directory;
    private DistributedApplication? app;

    public DistributedApplication App => app ?? throw new InvalidOperationException("The app is not started.");

    /// <summary>Npgsql connection string of the default project's database, as the superuser.</summary>
    public string ProjectConnectionString { get; private set; } = string.Empty;

    internal DefaultProject Project { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        directory = TempDirectory.Create("mbah");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            // DCP picks the ports of proxy-less endpoints (Postgres, Redis, the workers) in 10000-32767 by default;
            // below 20000 they cannot meet the ports the other fixtures take from FreePorts at the same time.
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MadBase_AppHost>(
                [
                    "MadBase:Containers=false", $"MadBase:DataDirectory={directory.FullPath}",
                    "DcpPublisher:ProxylessEndpointPortRangeStart=10000", "DcpPublisher:ProxylessEndpointPortRangeEnd=19999",
                ],
                timeout.Token);
            // The gateway must notice a stopped worker within the tests' patience.
            var gateway = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "gateway");
            builder.CreateResourceBuilder(gateway).WithEnvironment("Gateway__HealthCheckIntervalSeconds", "1");
            app = await builder.BuildAsync(timeout.Token);
            await app.StartAsync(timeout.Token);
            foreach (string name in ResourceNames)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
            }

            string adminPassword = await ParameterValueAsync("admin-password", timeout.Token);
            using HttpClient control = app.CreateHttpClient("control");
            Project = await DefaultProject.FetchAsync(control, control.BaseAddress!, adminPassword, timeout.Token);
            string system = await app.GetConnectionStringAsync("madbase", timeout.Token)
                ?? throw new InvalidOperationException("madbase has no connection string.");
            ProjectConnectionString = new NpgsqlConnectionStringBuilder(system) { Database = Project.DbName }.ConnectionString;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The gateway's client with the given project key as apikey (and bearer, unless a user's token replaces it).</summary>
    public HttpClient Gateway(string apiKey)
    {
        HttpClient client = App.CreateHttpClient("gateway");
        client.DefaultRequestHeaders.Add("apikey", apiKey);
        return client;
    }

    public async Task<string> ParameterValueAsync(string name, CancellationToken cancellationToken)
    {
        return await App.Services.GetRequiredService<DistributedApplicationModel>().Resources
                .OfType<ParameterResource>().Single(p => p.Name == name).GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException($"The parameter {name} has no value.");
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }

        directory?.Dispose();
        directory = null;
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "apphost";
}
