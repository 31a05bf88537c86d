using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage;

/// <summary>
/// Opens the RLS transaction for a storage operation: the caller's role (or service_role for the lookups
/// storage-api does as superuser) plus <c>storage.operation</c>, as storage-api's scope.ts sets it.
/// </summary>
internal sealed class StorageSession(TenantScope scope, StorageProjects projects)
{
    private static readonly Caller ServiceRole = new(ApiRoles.ServiceRole, """{"role":"service_role"}""", null);

    public async Task<RlsTransaction> BeginAsync(HttpContext context, string operation, bool asServiceRole = false)
    {
        var tenant = await scope.ResolveAsync(context);
        projects.Seen(tenant.Project!);
        if (asServiceRole)
        {
            tenant = tenant with { Caller = ServiceRole };
        }

        var transaction = await scope.BeginAsync(context, tenant);
        try
        {
            await using var command = transaction.CreateCommand("SELECT set_config('storage.operation', $1, true)");
            command.Parameters.AddWithValue(operation);
            await command.ExecuteNonQueryAsync(context.RequestAborted);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    public async Task<TenantRequest> TenantAsync(HttpContext context) => await scope.ResolveAsync(context);
}
