using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Rest;

/// <summary>What every /rest/v1 request resolves first: tenant, schema cache, profile, preferences, representation.</summary>
internal sealed record RestContext(
    HttpContext Http,
    Tenant Tenant,
    Project Project,
    SchemaModel Schema,
    string SchemaName,
    Preferences Preferences,
    Representation Representation)
{
    public bool IsRead => HttpMethods.IsGet(Http.Request.Method) || HttpMethods.IsHead(Http.Request.Method);

    /// <summary><c>Prefer: tx=rollback</c>, honoured only where the project allows it (db-tx-end=commit-allow-override).</summary>
    public bool Rollback => Preferences.Rollback == true && Project.Settings.Rest.AllowTxRollback;

    public static async Task<RestContext> CreateAsync(Tenant tenant, SchemaCacheStore cache)
    {
        var http = tenant.Http;
        var project = tenant.Project;
        var schema = await cache.GetAsync(project);
        var request = http.Request;
        var isRead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var profile = (isRead ? request.Headers["Accept-Profile"] : request.Headers["Content-Profile"]).ToString();
        var exposed = project.Settings.Rest.Schemas;
        if (profile.Length > 0 && !exposed.Contains(profile))
        {
            throw new RestException(
                StatusCodes.Status406NotAcceptable, "PGRST106", "Invalid schema: " + profile, null,
                "Only the following schemas are exposed: " + string.Join(", ", exposed));
        }

        var schemaName = profile.Length > 0 ? profile : exposed.Count > 0 ? exposed[0] : "public";
        var preferences = Preferences.Parse(request.Headers["Prefer"], project.Settings.Rest.AllowTxRollback);
        var representation = Representation.Negotiate(request.Headers.Accept.ToString(), project.Settings.Rest.PlanEnabled, schema.GeoJsonFunction);
        return new RestContext(http, tenant, project, schema, schemaName, preferences, representation);
    }

    public DbTable Table(string name) =>
        Schema.Table(SchemaName, name) ?? throw RestException.UnknownTable(SchemaName, name, Schema.Tables.Where(t => t.Schema == SchemaName).Select(t => t.Name));

    /// <summary>The query string as ordered pairs; repeated keys stay repeated (filters on the same column).</summary>
    public IEnumerable<KeyValuePair<string, string>> Query() =>
        Http.Request.Query.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? string.Empty)));
}
