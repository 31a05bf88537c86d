using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage;

/// <summary>What every Storage handler needs, as one [AsParameters] record (the request's <see cref="Tenant"/> among them).</summary>
internal sealed record StorageServices(
    HttpContext Context,
    Tenant Tenant,
    StorageProjects Projects,
    IBlobStore Blobs,
    JwtVerifier Verifier,
    TimeProvider Time,
    ILogger<StorageServices> Logger)
{
    public CancellationToken Aborted => Context.RequestAborted;

    public Project Project => Tenant.Project;

    /// <summary>The request's <c>x-upsert: true</c>: an upload (or copy) may overwrite the object at its path.</summary>
    public bool Upsert => string.Equals(Context.Request.Headers["x-upsert"].ToString(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The RLS transaction for a storage operation: the caller's role (or service_role for the lookups
    /// storage-api does as superuser), with <c>storage.operation</c> set by the same setup statement, as
    /// storage-api's scope.ts sets it.
    /// </summary>
    public Task<RlsTransaction> BeginAsync(string operation, bool asServiceRole = false)
    {
        // The orphan sweep covers every project this worker has stored for.
        Projects.Seen(Tenant.Project);
        var request = Tenant.Request with { Settings = [new("storage.operation", operation)] };
        return Tenant.BeginAsync(asServiceRole ? Caller.ServiceRole : Tenant.Caller, request, RlsMode.Interactive);
    }
}
