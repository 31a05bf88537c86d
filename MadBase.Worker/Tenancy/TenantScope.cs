namespace MadBase.Worker.Tenancy;

/// <summary>
/// What a module handler needs to run a statement for the current request: the resolved tenant, and an
/// RLS transaction on its database.
/// </summary>
internal sealed class TenantScope(TenantRequestResolver resolver, TenantDatabases databases)
{
    public ValueTask<TenantRequest> ResolveAsync(HttpContext context) => resolver.ResolveAsync(context);

    public async Task<RlsTransaction> BeginAsync(HttpContext context, TenantRequest tenant)
    {
        var project = tenant.Project ?? throw new InvalidOperationException("BeginAsync needs a resolved project");
        var connection = await databases.OpenConnectionAsync(project, context.RequestAborted);
        return await RlsTransaction.BeginAsync(
            connection, tenant.Caller, RlsRequest.From(context.Request), context.RequestAborted, ct => databases.ReplaceDeadAsync(project, ct));
    }

    public async Task<RlsBatch> OpenBatchAsync(HttpContext context, TenantRequest tenant, bool explicitTransaction)
    {
        var project = tenant.Project ?? throw new InvalidOperationException("OpenBatchAsync needs a resolved project");
        var connection = await databases.OpenConnectionAsync(project, context.RequestAborted);
        return await RlsBatch.OpenAsync(
            connection, tenant.Caller, RlsRequest.From(context.Request), explicitTransaction, context.RequestAborted,
            ct => databases.ReplaceDeadAsync(project, ct));
    }
}
