namespace MadBase.ServiceDefaults.Projects;

/// <summary>One step of a module's schema in a project database. Applied once, in version order.</summary>
public sealed record TenantMigration(int Version, string Name, string Sql);

/// <summary>A module that owns a schema in every project database (platform, auth, storage, …).</summary>
public interface ITenantMigrationSource
{
    string Module { get; }

    IReadOnlyList<TenantMigration> Migrations { get; }
}
