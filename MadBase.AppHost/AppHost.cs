// MadBase's app model (.NET Aspire 13.5.2): Postgres with the system database `madbase` (Control creates the
// tenant databases in the same cluster), Redis, MinIO, Control, two Worker replicas, and the Gateway in front.
// `dotnet run --project MadBase.AppHost` (or `aspire run`) starts it with the dashboard; `aspire publish` writes
// the Docker Compose deployment that deploy/docker-compose.yml writes out by hand. Secrets are parameters
// (`dotnet user-secrets set Parameters:jwt-secret ...`, or the dashboard asks). Needs Docker and the Aspire
// packages, so MadBase.Offline.slnf leaves this project out.
//
// Checked against microsoft/aspire at tag v13.5.2:
//   src/Aspire.Hosting/api/Aspire.Hosting.cs: DistributedApplication.CreateBuilder(string[]), AddParameter(name, secret),
//     AddContainer(name, image, tag), WithImageRegistry, WithImageTag, WithArgs(params string[]),
//     WithHttpEndpoint(port, targetPort, name, env, isProxied), WithEnvironment(name, IResourceBuilder<ParameterResource>),
//     WithVolume(name, target), WithHttpHealthCheck(path, statusCode, endpointName), GetEndpoint(name),
//     AddProject<TProject>(name), WithReplicas, WithExternalHttpEndpoints, WaitFor, and WithReference for a
//     connection string, a project (IResourceWithServiceDiscovery) and an EndpointReference;
//   src/Aspire.Hosting.PostgreSQL/api/Aspire.Hosting.PostgreSQL.cs: AddPostgres, WithDataVolume, AddDatabase;
//   src/Aspire.Hosting.Redis/api/Aspire.Hosting.Redis.cs: AddRedis;
//   src/Aspire.Hosting.Docker/api/Aspire.Hosting.Docker.cs: AddDockerComposeEnvironment;
//   src/Aspire.Hosting/ResourceBuilderExtensions.cs: the variables WithReference writes (ConnectionStrings__madbase,
//     services__worker__http__0, services__minio__api__0); src/Aspire.Hosting.PostgreSQL/PostgresBuilderExtensions.cs:
//     WithDataVolume picks the data directory from the image tag.
var builder = DistributedApplication.CreateBuilder(args);

builder.AddDockerComposeEnvironment("compose");

var adminPassword = builder.AddParameter("admin-password", secret: true);
var jwtSecret = builder.AddParameter("jwt-secret", secret: true);
var minioUser = builder.AddParameter("minio-user", secret: true);
var minioPassword = builder.AddParameter("minio-password", secret: true);

// The same majors as deploy/docker-compose.yml and the test machines (Aspire's defaults are 18 and 8). The tag
// comes before WithDataVolume, which picks the data directory from it (/var/lib/postgresql/data up to 17).
var madbase = builder.AddPostgres("postgres")
    .WithImageTag("15")
    .WithDataVolume()
    .AddDatabase("madbase");

var redis = builder.AddRedis("redis")
    .WithImageTag("7");

// MinIO's last published community image, from MinIO's own registry.
var minio = builder.AddContainer("minio", "minio/minio", "RELEASE.2025-09-07T16-13-09Z")
    .WithImageRegistry("quay.io")
    .WithArgs("server", "/data", "--console-address", ":9001")
    .WithHttpEndpoint(targetPort: 9000, name: "api")
    .WithHttpEndpoint(targetPort: 9001, name: "console")
    .WithEnvironment("MINIO_ROOT_USER", minioUser)
    .WithEnvironment("MINIO_ROOT_PASSWORD", minioPassword)
    .WithVolume("minio-data", "/data")
    .WithHttpHealthCheck("/minio/health/live", endpointName: "api");

var control = builder.AddProject<Projects.MadBase_Control>("control")
    .WithReference(madbase).WaitFor(madbase)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Admin__Password", adminPassword)
    .WithEnvironment("Auth__JwtSecret", jwtSecret)
    .WithHttpHealthCheck("/health");

// Control owns the system database and creates the default project, so the Workers start after it.
var worker = builder.AddProject<Projects.MadBase_Worker>("worker")
    .WithReplicas(2)
    .WithReference(madbase).WaitFor(madbase)
    .WithReference(redis).WaitFor(redis)
    .WithReference(minio.GetEndpoint("api")).WaitFor(minio)
    .WaitFor(control)
    .WithEnvironment("Storage__AccessKey", minioUser)
    .WithEnvironment("Storage__SecretKey", minioPassword)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.MadBase_Gateway>("gateway")
    .WithExternalHttpEndpoints()
    .WithReference(worker).WaitFor(worker)
    .WithReference(control).WaitFor(control)
    .WithReference(madbase).WaitFor(madbase)
    .WithReference(redis).WaitFor(redis)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
