using Microsoft.EntityFrameworkCore;

namespace MadBase.Control.SystemDb;

/// <summary>Edge Functions' tables: each row belongs to a project and goes with it (ON DELETE CASCADE).</summary>
internal sealed partial class ControlDb
{
    private static void OnFunctionsCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<FunctionRow>(function =>
        {
            function.ToTable("functions");
            function.HasKey(f => new { f.ProjectRef, f.Slug }).HasName("functions_pkey");
            function.Property(f => f.ProjectRef).HasColumnName("project_ref");
            function.Property(f => f.Slug).HasColumnName("slug");
            function.Property(f => f.VerifyJwt).HasColumnName("verify_jwt");
            function.Property(f => f.Version).HasColumnName("version");
            function.Property(f => f.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            function.Property(f => f.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
            function.HasOne<ProjectRow>().WithMany().HasForeignKey(f => f.ProjectRef)
                .HasConstraintName("functions_project_ref_fkey").OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<FunctionVersionRow>(version =>
        {
            version.ToTable("function_versions");
            version.HasKey(v => new { v.ProjectRef, v.Slug, v.Version }).HasName("function_versions_pkey");
            version.Property(v => v.ProjectRef).HasColumnName("project_ref");
            version.Property(v => v.Slug).HasColumnName("slug");
            version.Property(v => v.Version).HasColumnName("version");
            version.Property(v => v.Bundle).HasColumnName("bundle");
            version.Property(v => v.Sha256).HasColumnName("sha256");
            version.Property(v => v.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
            version.HasOne<FunctionRow>().WithMany().HasForeignKey(v => new { v.ProjectRef, v.Slug })
                .HasConstraintName("function_versions_function_fkey").OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<FunctionSecretRow>(secret =>
        {
            secret.ToTable("function_secrets");
            secret.HasKey(s => new { s.ProjectRef, s.Name }).HasName("function_secrets_pkey");
            secret.Property(s => s.ProjectRef).HasColumnName("project_ref");
            secret.Property(s => s.Name).HasColumnName("name");
            secret.Property(s => s.Value).HasColumnName("value");
            secret.Property(s => s.UpdatedAt).HasColumnName("updated_at").HasDefaultValueSql("now()");
            secret.HasOne<ProjectRow>().WithMany().HasForeignKey(s => s.ProjectRef)
                .HasConstraintName("function_secrets_project_ref_fkey").OnDelete(DeleteBehavior.Cascade);
        });
    }
}
