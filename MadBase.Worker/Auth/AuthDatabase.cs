using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// Opens the Auth module's own transactions: as service_role, our equivalent of GoTrue's supabase_auth_admin,
/// and always writable (GET /verify confirms a user).
/// </summary>
internal sealed class AuthDatabase(TenantDatabases databases)
{
    public static readonly Caller Admin = new(ApiRoles.ServiceRole, """{"role":"service_role"}""", null);

    public async Task<RlsTransaction> BeginAsync(HttpContext context, Project project)
    {
        var connection = await databases.OpenConnectionAsync(project, context.RequestAborted);
        return await RlsTransaction.BeginAsync(connection, Admin, Request(context), context.RequestAborted, ct => databases.ReplaceDeadAsync(project, ct));
    }

    /// <summary>For the token endpoints, whose statements are known up front: fewer round trips than a transaction.</summary>
    public async Task<RlsBatch> OpenBatchAsync(HttpContext context, Project project, bool explicitTransaction)
    {
        var connection = await databases.OpenConnectionAsync(project, context.RequestAborted);
        return await RlsBatch.OpenAsync(
            connection, Admin, Request(context), explicitTransaction, context.RequestAborted, ct => databases.ReplaceDeadAsync(project, ct));
    }

    private static RlsRequest Request(HttpContext context) => RlsRequest.From(context.Request) with { ReadOnly = false };
}
