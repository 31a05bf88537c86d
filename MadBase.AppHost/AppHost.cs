// MadBase's app model: Postgres with the system database `madbase` (Control creates the tenant databases in the
// same cluster), Redis, a blob store, Control, the Workers and the Gateway in front of them.
//
//   dotnet run --project MadBase.AppHost --launch-profile http
//
// starts it with the Aspire dashboard, and prints the API URL, the default project's keys and the dashboard's
// login URL once the gateway is healthy. Where a Docker engine answers, Postgres, Redis and MinIO are containers;
// where none does, the same resources are executables from the installed binaries (Postgres 15 in a private
// cluster, redis-server) and the workers keep objects on local disk. MadBase__Containers=true|false overrides
// the choice; publishing (`-- --publisher manifest --output-path DIR`) always describes the containers.
// Local data (cluster, objects, generated secrets) lives in .madbase/apphost/ (MadBase__DataDirectory).
// Either way the services read the same variables: ConnectionStrings__madbase, ConnectionStrings__redis,
// services__control__http__0, services__worker__http__0..n, services__minio__api__0, Admin__Password,
// Auth__JwtSecret, Storage__* (see ../shared/ARCHITECTURE.md, "Configuration", and deploy/docker-compose.yml).
// A service, or an executable Postgres or Redis, whose process exits on its own is started again after a backoff,
// as `madbase start` does (Supervision/RestartOnExit.cs; the dashboard shows the count as madbase.restarts); one
// stopped from the dashboard stays stopped. The Postgres, Redis and MinIO containers are not watched.
using MadBase.AppHost;
using MadBase.AppHost.LocalServers;
using MadBase.AppHost.Supervision;

var builder = DistributedApplication.CreateBuilder(args);
var stack = StackSettings.Read(builder);

var postgresPassword = builder.AddParameter("postgres-password", stack.Secret("postgres-password"), secret: true);
var adminPassword = builder.AddParameter("admin-password", stack.Secret("admin-password"), secret: true);
var jwtSecret = builder.AddParameter("jwt-secret", stack.Secret("jwt-secret"), secret: true);

// The same versions as deploy/docker-compose.yml and the test machines' Debian packages (Aspire's defaults are 18 and 8). The tag
// comes before WithDataVolume, which picks the data directory from it (/var/lib/postgresql/data up to 17).
IResourceBuilder<IResourceWithConnectionString> madbase = stack.Containers
    ? builder.AddPostgres("postgres", password: postgresPassword)
        .WithImageTag("15.18")
        .WithDataVolume("postgres-data")
        // The image's entrypoint runs `postgres` with these when the first starts with '-'.
        .WithArgs([.. MadBase.Cli.LogicalReplicationSettings.Values.SelectMany(s => (string[])["-c", $"{s.Key}={s.Value}"])])
        .AddDatabase("madbase")
    : builder.AddPostgresExecutable("postgres", postgresPassword, stack.PostgresDirectory)
        .WithRestartOnExit()
        .AddDatabase("madbase");

// Null when Redis is off (MadBase__Redis=false, or redis-server not installed): the services then get no
// ConnectionStrings__redis and run without it (see StackSettings).
IResourceBuilder<IResourceWithConnectionString>? redis = !stack.Redis ? null
    : stack.Containers
    ? builder.AddRedis("redis", password: builder.AddParameter("redis-password", stack.Secret("redis-password"), secret: true))
        .WithImageTag("7.0.15")
    : builder.AddRedisExecutable("redis", stack.DataDirectory).WithRestartOnExit();

var blobs = stack.Containers
    ? BlobStore.MinioContainer(builder, "minio", stack)
    : BlobStore.LocalDisk(stack.StorageDirectory);

var control = builder.AddService<Projects.MadBase_Control>("control")
    .WithHttpEndpoint(name: "http")
    .WithReference(madbase).WaitFor(madbase)
    .WithRedis(redis)
    .WithEnvironment("Admin__Password", adminPassword)
    .WithEnvironment("Auth__JwtSecret", jwtSecret)
    .WithHttpHealthCheck("/health")
    .WithRestartOnExit();

// One resource per worker (worker-1, worker-2, … as in deploy/docker-compose.yml), each on its own port with
// no DCP proxy in front, rather than one resource WithReplicas(n): replicas share one proxy, so the gateway
// would see a single address, could not take one sick worker out of rotation, and a dead replica would look
// like a reset connection instead of a refused one (the gateway retries refused connections on another worker).
// Control owns the system database and creates the default project, so the workers start after it.
var workers = Enumerable.Range(1, stack.Workers).Select(n => builder.AddService<Projects.MadBase_Worker>($"worker-{n}")
    .WithHttpEndpoint(name: "http", isProxied: false)
    .WithReference(madbase).WaitFor(madbase)
    .WithRedis(redis)
    .WithBlobStore(blobs)
    .WaitFor(control)
    .WithHttpHealthCheck("/health")
    .WithRestartOnExit()).ToList();

var gateway = builder.AddService<Projects.MadBase_Gateway>("gateway")
    .WithHttpEndpoint(port: stack.GatewayPort, name: "http")
    .WithExternalHttpEndpoints()
    // /metrics on a port of its own (the public one never serves it), added after WithExternalHttpEndpoints so
    // that it stays internal; with env set, Aspire hands its port over as Metrics__Port instead of putting it in
    // ASPNETCORE_URLS (ServiceDefaults/Metrics/MetricsListener binds it).
    .WithHttpEndpoint(name: "metrics", env: "Metrics__Port")
    .WithUpstreamWorkers(workers)
    .WithReference(control).WaitFor(control)
    .WithReference(madbase).WaitFor(madbase)
    .WithRedis(redis)
    .WithHttpHealthCheck("/health")
    .WithRestartOnExit()
    .OnResourceReady(new StackBanner(control, adminPassword, stack).WriteAsync);

// Projects Control creates get the gateway's real URL as their public URL (JWT issuer, links in mails, the
// OpenAPI host), not the default a bare Control assumes.
control.WithEnvironment("Projects__PublicUrl", gateway.GetEndpoint("http"));

// Studio reaches the project APIs through the gateway and shows each service's health (Studio/StudioUpstreams.cs).
control.WithEnvironment("services__gateway__http__0", gateway.GetEndpoint("http"));
for (var i = 0; i < workers.Count; i++)
{
    control.WithEnvironment($"services__worker__http__{i}", workers[i].GetEndpoint("http"));
}

// Studio (the gateway's /studio/) links to the Aspire dashboard; its login token stays in the AppHost's output.
if (StackBanner.DashboardUrl(builder.Configuration) is { } dashboardUrl)
{
    control.WithEnvironment("Studio__DashboardUrl", dashboardUrl);
}

builder.Build().Run();
