using MadBase.ServiceDefaults.Logging;

namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// Removing bytes whose row is already gone (or never committed). A failure here only leaves an orphan,
/// which the sweep removes later, so it is logged and never fails the request.
/// </summary>
internal static partial class BlobCleanup
{
    public static async Task DeleteQuietlyAsync(StorageServices services, IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        try
        {
            await services.Blobs.DeleteAsync(keys, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            LogCleanupFailed(services.Logger, keys.Count, e.Message);
        }
    }

    [LoggerMessage(EventId = EventIds.BlobDeleteDeferred, Level = LogLevel.Warning, Message = "Could not delete {Count} blobs now; the orphan sweep will: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, int count, string reason);
}
