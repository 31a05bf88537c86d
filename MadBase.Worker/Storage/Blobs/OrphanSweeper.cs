using System.Collections.Concurrent;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Storage.Resumable;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Storage.Blobs;

/// <summary>The projects this worker has served storage requests for: the ones worth sweeping.</summary>
internal sealed class StorageProjects
{
    private readonly ConcurrentDictionary<string, Project> seen = new(StringComparer.Ordinal);

    public void Seen(Project project) => seen[project.Ref] = project;

    public IReadOnlyCollection<Project> All => [.. seen.Values];
}

/// <summary>
/// Periodically sweeps orphaned blobs, expired resumable uploads (and, on the file backend, temporary files a crash left behind) of
/// every project this worker has served. Several workers sweeping the same project is harmless: deleting
/// an orphan twice is a no-op.
/// </summary>
internal sealed partial class OrphanSweeper(
    StorageProjects projects,
    TenantDatabases databases,
    IBlobStore blobs,
    IOptions<StorageOptions> options,
    TimeProvider time,
    ILogger<OrphanSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var grace = TimeSpan.FromMinutes(options.Value.OrphanGraceMinutes);
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.SweepIntervalMinutes), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var olderThan = time.GetUtcNow() - grace;
            if (blobs is FileSystemBlobStore files)
            {
                files.DeleteStaleTemporaryFiles(olderThan);
            }

            foreach (var project in projects.All)
            {
                try
                {
                    Func<CancellationToken, Task<Npgsql.NpgsqlConnection>> open = ct => databases.OpenConnectionAsync(project, ct);
                    var deleted = await OrphanSweep.SweepAsync(project.Ref, open, blobs, olderThan, stoppingToken);
                    var expired = await ExpiredUploadSweep.SweepAsync(project.Ref, open, blobs, time.GetUtcNow(), stoppingToken);
                    if (deleted + expired > 0)
                    {
                        LogSwept(logger, deleted, expired, project.Ref);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(logger, project.Ref, e.Message);
                }
            }
        }
    }

    [LoggerMessage(EventId = EventIds.OrphanBlobsSwept, Level = LogLevel.Information, Message = "Swept {Count} orphaned blobs and {Expired} expired resumable uploads of project {ProjectRef}")]
    private static partial void LogSwept(ILogger logger, int count, int expired, string projectRef);

    [LoggerMessage(EventId = EventIds.OrphanSweepFailed, Level = LogLevel.Warning, Message = "Orphan sweep of project {ProjectRef} failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string projectRef, string reason);
}
