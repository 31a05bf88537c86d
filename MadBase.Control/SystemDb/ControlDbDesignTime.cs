using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MadBase.Control.SystemDb;

/// <summary>
/// For <c>dotnet ef migrations add</c> only: the model without starting Control (which would want its whole
/// configuration). Adding a migration never connects, so the connection string names no real server.
/// </summary>
internal sealed class ControlDbDesignTime : IDesignTimeDbContextFactory<ControlDb>
{
    public ControlDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ControlDb>().UseNpgsql("Host=design-time-only", ControlDb.ConfigureNpgsql).Options);
}
