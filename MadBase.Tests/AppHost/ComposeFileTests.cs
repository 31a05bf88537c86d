using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MadBase.Cli;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using TempDirectory = MadBase.Tests.Infrastructure.TempDirectory;

namespace MadBase.Tests.AppHost;

/// <summary>
/// deploy/docker-compose.yml is written by hand (Aspire's compose publisher is not on the package mirror); these
/// tests hold it to the app model: the manifest `--publisher manifest` writes, and the model's health checks.
/// </summary>
public sealed partial class ComposeFileTests
{
    // The variables the services read (shared/ARCHITECTURE.md, "Configuration"); Aspire's own extras are not part of it.
    private static readonly string[] ContractPrefixes = ["ConnectionStrings__", "services__", "Admin__", "Auth__", "Storage__"];

    // The compose file's own monitoring (deploy/monitoring); the app model has the Aspire dashboard instead.
    private static readonly string[] MonitoringServices = ["grafana", "prometheus"];

    private static string RepositoryRoot => ServiceBinaries.BuiltFromRepositoryRoot
        ?? throw new InvalidOperationException("The CLI was built without its repository root.");

    [Fact]
    public async Task Manifest_ServicesAndEnvironment_MatchTheComposeFile()
    {
        JsonElement manifest = await PublishManifestAsync();
        Dictionary<string, Dictionary<string, object>> all = ComposeServices();
        Assert.Equal(MonitoringServices, all.Keys.Where(MonitoringServices.Contains).Order());
        Dictionary<string, Dictionary<string, object>> compose = all.Where(s => !MonitoringServices.Contains(s.Key)).ToDictionary();
        Dictionary<string, JsonElement> resources = manifest.GetProperty("resources").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value);
        string[] deployed = [.. resources.Where(r => Type(r.Value) is "container.v0" or "project.v0").Select(r => r.Key).Order()];

        Assert.Equal(["control", "gateway", "minio", "postgres", "redis", "worker-1", "worker-2"], deployed);
        Assert.Equal(deployed, compose.Keys.Order());
        foreach (string service in deployed.Where(s => Type(resources[s]) == "project.v0"))
        {
            Dictionary<string, string> modelEnvironment = Contract(resources[service].GetProperty("env").EnumerateObject()
                .ToDictionary(p => p.Name, p => Target(p.Value.GetString()!, resources)));
            Dictionary<string, string> composeEnvironment = Contract(Section(compose[service], "environment")
                .ToDictionary(p => p.Key, p => Target((string)p.Value, compose.Keys)));

            Assert.True(
                modelEnvironment.OrderBy(p => p.Key).SequenceEqual(composeEnvironment.OrderBy(p => p.Key)),
                $"{service}: the app model gives {Describe(modelEnvironment)}; the compose file gives {Describe(composeEnvironment)}");
        }

        Assert.Equal(
            resources.Where(r => r.Value.TryGetProperty("bindings", out JsonElement b)
                    && b.EnumerateObject().Any(e => e.Value.TryGetProperty("external", out JsonElement x) && x.GetBoolean()))
                .Select(r => r.Key),
            compose.Where(s => s.Value.ContainsKey("ports")).Select(s => s.Key));
        foreach ((string container, string composeImage) in compose.Where(s => s.Value.ContainsKey("image") && Type(resources[s.Key]) == "container.v0")
                     .Select(s => (s.Key, (string)s.Value["image"])))
        {
            Assert.Equal(resources[container].GetProperty("image").GetString()!.Replace("docker.io/library/", string.Empty, StringComparison.Ordinal), composeImage);
        }
    }

    [Fact]
    public async Task Model_HealthEndpoints_AreTheComposeFilesProbes()
    {
        using TempDirectory directory = TempDirectory.Create("mbcf");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using IDistributedApplicationTestingBuilder builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.MadBase_AppHost>(
            ["MadBase:Containers=true", $"MadBase:DataDirectory={directory.FullPath}"], timeout.Token);
        Dictionary<string, Dictionary<string, object>> compose = ComposeServices();

        foreach (ProjectResource service in builder.Resources.OfType<ProjectResource>())
        {
            string[] modelPaths = [.. service.Annotations.OfType<HealthCheckAnnotation>()
                .Select(a => HttpHealthCheckKey().Match(a.Key)).Where(m => m.Success).Select(m => m.Groups["path"].Value)];
            string probe = string.Join(' ', ((List<object>)Section(compose[service.Name], "healthcheck")["test"]).Cast<string>());
            Match composePath = ComposeProbePath().Match(probe);

            Assert.True(composePath.Success, $"{service.Name}: no HTTP probe in the compose file's health check: {probe}");
            Assert.Equal([composePath.Groups["path"].Value], modelPaths);
        }
    }

    /// <summary>Runs the documented command, as a developer would: no Docker needed.</summary>
    private static async Task<JsonElement> PublishManifestAsync()
    {
        using TempDirectory output = TempDirectory.Create("mbmf");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (string argument in (string[])["run", "--project", Projects.MadBase_AppHost.ProjectPath, "--no-build",
                     "--configuration", ServiceBinaries.BuiltConfiguration, "--no-launch-profile", "--",
                     "--publisher", "manifest", "--output-path", output.FullPath])
        {
            start.ArgumentList.Add(argument);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        string manifestFile = Path.Combine(output.FullPath, "aspire-manifest.json");
        Assert.True(process.ExitCode == 0 && File.Exists(manifestFile), $"exit {process.ExitCode}: {await stdout}{await stderr}");
        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(manifestFile));
        return document.RootElement.Clone();
    }

    /// <summary>The compose file's services with YAML anchors and merge keys (&lt;&lt;: *madbase-env) resolved.</summary>
    private static Dictionary<string, Dictionary<string, object>> ComposeServices()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot, "deploy", "docker-compose.yml")));
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(reader)));
        return ((Dictionary<object, object>)root["services"]).ToDictionary(
            s => (string)s.Key, s => ((Dictionary<object, object>)s.Value).ToDictionary(p => (string)p.Key, p => p.Value));
    }

    private static Dictionary<string, object> Section(Dictionary<string, object> service, string key)
    {
        return service.TryGetValue(key, out object? value)
            ? ((Dictionary<object, object>)value).ToDictionary(p => (string)p.Key, p => p.Value)
            : [];
    }

    private static Dictionary<string, string> Contract(Dictionary<string, string> environment)
    {
        return environment.Where(p => ContractPrefixes.Any(prefix => p.Key.StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(p => p.Key, p => p.Value);
    }

    /// <summary>
    /// What a manifest value points at: "secret" (a parameter), "postgres/madbase" (a resource, and the database of
    /// a connection string), or the literal itself.
    /// </summary>
    private static string Target(string value, Dictionary<string, JsonElement> resources)
    {
        Match reference = ManifestReference().Match(value);
        if (!reference.Success)
        {
            return value;
        }

        string name = reference.Groups["resource"].Value;
        JsonElement resource = resources[name];
        return Type(resource) switch
        {
            "parameter.v0" => "secret",
            "value.v0" => Target(resource.GetProperty("connectionString").GetString()!, resources)
                + DatabaseOf(resource.GetProperty("connectionString").GetString()!),
            _ => name,
        };
    }

    /// <summary>The same for a compose value: "${VAR}" is a secret, a host name one of the services.</summary>
    private static string Target(string value, IEnumerable<string> services)
    {
        if (value.StartsWith("${", StringComparison.Ordinal))
        {
            return "secret";
        }

        string? host = Regex.Match(value, "Host=(?<host>[^;]+)").Groups["host"] is { Success: true } h ? h.Value
            : Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" ? uri.Host
            : Regex.Match(value, "^(?<host>[a-z0-9-]+):[0-9]+") is { Success: true } m ? m.Groups["host"].Value
            : null;
        return host is not null && services.Contains(host) ? host + DatabaseOf(value) : value;
    }

    private static string DatabaseOf(string connectionString)
    {
        return Regex.Match(connectionString, "Database=(?<db>[^;]+)") is { Success: true } m ? "/" + m.Groups["db"].Value : string.Empty;
    }

    private static string Type(JsonElement resource)
    {
        return resource.GetProperty("type").GetString()!;
    }

    private static string Describe(Dictionary<string, string> environment)
    {
        return string.Join(", ", environment.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
    }

    [GeneratedRegex(@"^\{(?<resource>[a-z0-9-]+)\.")]
    private static partial Regex ManifestReference();

    // WithHttpHealthCheck's key: {resource}_{endpoint}_{path}_{status}_check.
    [GeneratedRegex("^.+_http_(?<path>/[^_]*)_200_check$")]
    private static partial Regex HttpHealthCheckKey();

    [GeneratedRegex(@"--health-probe (?<path>/\S*)")]
    private static partial Regex ComposeProbePath();
}
