namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// Where object bytes live. Keys are <c>&lt;project ref&gt;/&lt;bucket&gt;/&lt;object name&gt;/&lt;version&gt;</c>,
/// so projects can share a disk or an S3 bucket and an overwrite never touches the bytes being read.
/// Writes are all-or-nothing: a failed or cancelled write leaves nothing under the key.
/// </summary>
internal interface IBlobStore
{
    /// <summary>Streams <paramref name="content"/> to <paramref name="key"/>; returns the bytes written.</summary>
    Task<long> WriteAsync(string key, Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>A stream of <paramref name="length"/> bytes from <paramref name="offset"/>, or null when the key is absent.</summary>
    Task<Stream?> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken);

    Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken);

    Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken);

    /// <summary>Every key under <paramref name="prefix"/> with its last write time (for the orphan sweep).</summary>
    IAsyncEnumerable<BlobEntry> ListAsync(string prefix, CancellationToken cancellationToken);
}

internal sealed record BlobEntry(string Key, DateTimeOffset LastModified);

internal static class BlobKeys
{
    public static string For(string projectRef, string bucketId, string name, string version) =>
        $"{projectRef}/{bucketId}/{name}/{version}";

    public static string NewVersion() => Guid.NewGuid().ToString("N");
}
