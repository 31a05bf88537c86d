using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// The request's project and caller, resolved once (<see cref="TenantRequestResolver"/>) and handed to every
/// Auth, REST and Storage handler as a parameter: the handler's way into the project's database is
/// <see cref="BeginAsync"/>. The project is never null here: a request that could not be tied to a project
/// and a caller never reaches a handler, <see cref="TenantFilter{TRenderer}"/> answers it in the module's shape.
/// </summary>
internal sealed class Tenant(HttpContext http, Project project, Caller caller, TenantDatabases databases)
{
    private RlsRequest? request;

    public HttpContext Http { get; } = http;

    public Project Project { get; } = project;

    public Caller Caller { get; } = caller;

    /// <summary>What Postgres sees of the HTTP request; <c>with</c> it to change what a transaction sets.</summary>
    public RlsRequest Request => request ??= RlsRequest.From(Http.Request);

    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>
    /// Minimal APIs bind a <see cref="Tenant"/> parameter with this, before the endpoint filters run. For a
    /// request that failed to resolve it is null; the binder then marks the request a 400 and skips the
    /// handler, and the module's <see cref="TenantFilter{TRenderer}"/>, which runs in between, answers the
    /// resolver's failure instead.
    /// </summary>
    public static async ValueTask<Tenant?> BindAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var resolved = await services.GetRequiredService<TenantRequestResolver>().ResolveAsync(context);
        return resolved is { Succeeded: true, Project: { } project }
            ? new Tenant(context, project, resolved.Caller, services.GetRequiredService<TenantDatabases>())
            : null;
    }

    /// <summary>An RLS transaction on the project's database, as the caller (reads READ ONLY).</summary>
    public Task<RlsTransaction> BeginAsync(RlsMode mode = RlsMode.Interactive) => BeginAsync(Caller, Request, mode);

    /// <summary>
    /// The same as another caller or with other settings: Auth runs as <see cref="Caller.ServiceRole"/>, Storage
    /// adds <c>storage.operation</c>. A database that cannot be reached is this project's
    /// <see cref="ProjectDatabaseUnavailableException"/>.
    /// </summary>
    public async Task<RlsTransaction> BeginAsync(Caller runAs, RlsRequest request, RlsMode mode)
    {
        var connection = await databases.OpenConnectionAsync(Project, Aborted);
        return await RlsTransaction.BeginAsync(
            connection, runAs, request, mode, ct => databases.ReplaceDeadAsync(Project, ct), Aborted);
    }
}
