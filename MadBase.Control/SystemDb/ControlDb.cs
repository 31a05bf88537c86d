using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace MadBase.Control.SystemDb;

/// <summary>
/// Control's view of the system database. The table layout is exactly the one the hand-written schema made
/// before EF (names, defaults, checks, constraint names), so a database created then is baselined, not rebuilt
/// (<see cref="PreEfLedger"/>).
/// </summary>
internal sealed partial class ControlDb(DbContextOptions<ControlDb> options) : DbContext(options)
{
    public const string Schema = "madbase";

    public DbSet<ProjectRow> Projects => Set<ProjectRow>();

    public DbSet<FunctionRow> Functions => Set<FunctionRow>();

    public DbSet<FunctionVersionRow> FunctionVersions => Set<FunctionVersionRow>();

    public DbSet<FunctionSecretRow> FunctionSecrets => Set<FunctionSecretRow>();

    /// <summary>EF's ledger beside the tables it describes, in the schema no API role can reach.</summary>
    public static void ConfigureNpgsql(NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable("__EFMigrationsHistory", Schema);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<ProjectRow>(project =>
        {
            project.ToTable("projects", t =>
            {
                t.HasCheckConstraint("projects_settings_check", "jsonb_typeof(settings) = 'object'");
                t.HasCheckConstraint("projects_signing_keys_check", "jsonb_typeof(signing_keys) = 'array'");
                t.HasCheckConstraint("projects_api_keys_check", "jsonb_typeof(api_keys) = 'array'");
            });
            project.HasKey(p => p.Ref).HasName("projects_pkey");
            project.HasAlternateKey(p => p.DbName).HasName("projects_db_name_key");
            project.Property(p => p.Ref).HasColumnName("ref");
            project.Property(p => p.Name).HasColumnName("name");
            project.Property(p => p.DbName).HasColumnName("db_name");
            project.Property(p => p.DbUrl).HasColumnName("db_url");
            project.Property(p => p.JwtSecret).HasColumnName("jwt_secret");
            project.Property(p => p.AnonKey).HasColumnName("anon_key");
            project.Property(p => p.ServiceRoleKey).HasColumnName("service_role_key");
            project.Property(p => p.AuthenticatorPassword).HasColumnName("authenticator_password");
            project.Property(p => p.Settings).HasColumnName("settings").HasColumnType("jsonb").HasDefaultValueSql("'{}'::jsonb");
            project.Property(p => p.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            project.Property(p => p.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
            project.Property(p => p.SigningKeys).HasColumnName("signing_keys").HasColumnType("jsonb").HasDefaultValueSql("'[]'::jsonb");
            project.Property(p => p.ApiKeys).HasColumnName("api_keys").HasColumnType("jsonb").HasDefaultValueSql("'[]'::jsonb");
            project.Property(p => p.Version).IsRowVersion();
        });
        OnFunctionsCreating(modelBuilder);
    }
}
