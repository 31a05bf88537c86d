using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Rest;

/// <summary>What every /rest/v1 handler needs, as one [AsParameters] record.</summary>
internal sealed record RestServices(Tenant Tenant, SchemaCacheStore Cache, RestExecutor Executor, ILogger<RestExecutor> Logger);
