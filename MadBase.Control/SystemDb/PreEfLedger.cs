using MadBase.Control.SystemDb.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace MadBase.Control.SystemDb;

/// <summary>
/// Before EF, Control applied hand-written steps and recorded them in <c>madbase.schema_migrations</c>. Each
/// EF migration up to <see cref="ProjectSigningKeys"/> makes exactly the change of one such step, so a database
/// created then is brought under EF by recording those migrations as applied, never by running them again:
/// its projects and keys stay as they are. The old ledger stays too (an older Control reads it).
/// </summary>
internal static class PreEfLedger
{
    private const string Table = "madbase.schema_migrations";

    /// <summary>The pre-EF step versions and the EF migration that matches each.</summary>
    private static readonly Dictionary<int, string> Equivalents = new()
    {
        [1] = nameof(Migrations.Projects),
        [2] = nameof(ProjectSigningKeys),
    };

    /// <summary>Records the EF migrations that a pre-EF database already has; returns their ids (none for any other database).</summary>
    public static async Task<IReadOnlyList<string>> BaselineAsync(ControlDb db, CancellationToken cancellationToken)
    {
        var history = db.GetService<IHistoryRepository>();
        if (await history.ExistsAsync(cancellationToken) && (await history.GetAppliedMigrationsAsync(cancellationToken)).Count > 0)
        {
            return [];
        }

        // Catalog reads EF has no API for: whether the old ledger exists, and what it holds.
        var exists = await db.Database
            .SqlQuery<bool>($"SELECT to_regclass({Table}) IS NOT NULL AS \"Value\"")
            .SingleAsync(cancellationToken);
        if (!exists)
        {
            return [];
        }

        var versions = await db.Database
            .SqlQuery<int>($"SELECT version AS \"Value\" FROM madbase.schema_migrations ORDER BY version")
            .ToListAsync(cancellationToken);
        var migrations = db.Database.GetMigrations().ToList();
        var baseline = versions.Select(version => MigrationFor(version, migrations)).ToList();

        // EF's own statements for its ledger, not ours.
        await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken);
        foreach (var id in baseline)
        {
            await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(id, ProductInfo.GetVersion())), cancellationToken);
        }

        return baseline;
    }

    private static string MigrationFor(int version, List<string> migrations) =>
        Equivalents.TryGetValue(version, out var name) && migrations.Find(id => id.EndsWith("_" + name, StringComparison.Ordinal)) is { } id
            ? id
            : throw new InvalidOperationException(
                $"The system database records step {version} in {Table}, which this Control does not know: it was upgraded by a newer MadBase.");
}
