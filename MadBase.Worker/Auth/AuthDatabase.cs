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
        var dataSource = await databases.GetAsync(project);
        var request = RlsRequest.From(context.Request) with { ReadOnly = false };
        return await RlsTransaction.BeginAsync(dataSource, Admin, request, context.RequestAborted);
    }
}
