using MadBase.Worker.Storage.Blobs;

namespace MadBase.Worker.Storage.Resumable;

/// <summary>
/// The parts of a resumable upload, kept in the blob store (files on disk, objects on S3) under
/// <c>.uploads/&lt;project ref&gt;/&lt;upload id&gt;/&lt;part number&gt;</c>: outside every project's object keys, so
/// the orphan sweep never mistakes them for objects. Each PATCH is one part, streamed and stored
/// all-or-nothing by <see cref="IBlobStore.WriteAsync"/>; rewriting a part number replaces it, so a chunk
/// retried after a failure never counts twice. On completion the parts are read back in order into the
/// object's blob, one buffer at a time: no upload is ever held whole in memory.
/// </summary>
internal static class UploadParts
{
    public static string Prefix(string projectRef, string uploadId) => $".uploads/{projectRef}/{uploadId}/";

    public static Task<long> WriteAsync(IBlobStore blobs, string projectRef, string uploadId, int partNumber, Stream content, CancellationToken cancellationToken) =>
        blobs.WriteAsync(Prefix(projectRef, uploadId) + partNumber, content, TusProtocol.OffsetContentType, cancellationToken);

    /// <summary>Parts 1…<paramref name="partCount"/> as one stream, each part opened when the previous one ends.</summary>
    public static Stream OpenAll(IBlobStore blobs, string projectRef, string uploadId, int partCount) =>
        new ConcatenatedStream(partCount, (index, cancellationToken) => OpenPartAsync(blobs, Prefix(projectRef, uploadId) + (index + 1), cancellationToken));

    /// <summary>Every part stored for the upload (also one written by a request that failed before recording it).</summary>
    public static async Task DeleteAllAsync(IBlobStore blobs, string projectRef, string uploadId, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var part in blobs.ListAsync(Prefix(projectRef, uploadId), cancellationToken))
        {
            keys.Add(part.Key);
        }

        await blobs.DeleteAsync(keys, cancellationToken);
    }

    private static async Task<Stream> OpenPartAsync(IBlobStore blobs, string key, CancellationToken cancellationToken) =>
        await blobs.OpenReadAsync(key, 0, long.MaxValue, cancellationToken)
            ?? throw new InvalidOperationException($"resumable upload part {key} is missing");
}
