using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage;

/// <summary>What storage handlers need besides the <see cref="Tenant"/>, injected as one parameter.</summary>
internal sealed class StorageServices(StorageProjects projects, IBlobStore blobs, JwtVerifier verifier, TimeProvider time, ILogger<StorageServices> logger)
{
    public IBlobStore Blobs { get; } = blobs;

    public JwtVerifier Verifier { get; } = verifier;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    /// <summary>
    /// The RLS transaction for a storage operation: the caller's role (or service_role for the lookups
    /// storage-api does as superuser), with <c>storage.operation</c> set by the same setup statement, as
    /// storage-api's scope.ts sets it.
    /// </summary>
    public Task<RlsTransaction> BeginAsync(Tenant tenant, string operation, bool asServiceRole = false)
    {
        // The orphan sweep covers every project this worker has stored for.
        projects.Seen(tenant.Project);
        var request = tenant.Request with { Settings = [new("storage.operation", operation)] };
        return tenant.BeginAsync(asServiceRole ? Caller.ServiceRole : tenant.Caller, request, RlsMode.Interactive);
    }
}
