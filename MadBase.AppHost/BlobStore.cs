namespace MadBase.AppHost;

/// <summary>
/// Where the workers keep object bytes: MinIO (S3) when the stack runs containers, else the worker's file
/// backend on local disk (the no-Docker default, as in the CLI's local stack).
/// </summary>
internal abstract class BlobStore
{
    public static BlobStore LocalDisk(string root)
    {
        return new LocalDiskStore(root);
    }

    /// <summary>MinIO's last community image, from MinIO's own registry, as deploy/docker-compose.yml runs it.</summary>
    public static BlobStore MinioContainer(IDistributedApplicationBuilder builder, string name, StackSettings stack)
    {
        var user = builder.AddParameter($"{name}-user", stack.Secret($"{name}-user"), secret: true);
        var password = builder.AddParameter($"{name}-password", stack.Secret($"{name}-password"), secret: true);
        var minio = builder.AddContainer(name, "minio/minio", "RELEASE.2025-09-07T16-13-09Z")
            .WithImageRegistry("quay.io")
            .WithArgs("server", "/data", "--console-address", ":9001")
            .WithHttpEndpoint(targetPort: 9000, name: "api")
            .WithHttpEndpoint(targetPort: 9001, name: "console")
            .WithEnvironment("MINIO_ROOT_USER", user)
            .WithEnvironment("MINIO_ROOT_PASSWORD", password)
            .WithVolume("minio-data", "/data")
            .WithHttpHealthCheck("/minio/health/live", endpointName: "api");
        return new MinioStore(minio, user, password);
    }

    public abstract IResourceBuilder<ProjectResource> Configure(IResourceBuilder<ProjectResource> worker);

    private sealed class LocalDiskStore(string root) : BlobStore
    {
        public override IResourceBuilder<ProjectResource> Configure(IResourceBuilder<ProjectResource> worker)
        {
            return worker
                .WithEnvironment("Storage__Backend", "file")
                .WithEnvironment("Storage__FileRoot", root);
        }
    }

    private sealed class MinioStore(
        IResourceBuilder<ContainerResource> minio,
        IResourceBuilder<ParameterResource> user,
        IResourceBuilder<ParameterResource> password) : BlobStore
    {
        public override IResourceBuilder<ProjectResource> Configure(IResourceBuilder<ProjectResource> worker)
        {
            return worker
                .WithEnvironment("Storage__Backend", "s3")
                .WithReference(minio.GetEndpoint("api")).WaitFor(minio)
                .WithEnvironment("Storage__AccessKey", user)
                .WithEnvironment("Storage__SecretKey", password);
        }
    }
}

internal static class BlobStoreExtensions
{
    public static IResourceBuilder<ProjectResource> WithBlobStore(this IResourceBuilder<ProjectResource> worker, BlobStore store)
    {
        return store.Configure(worker);
    }
}
