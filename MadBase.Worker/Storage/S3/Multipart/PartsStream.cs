using MadBase.Worker.Storage.Blobs;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// The parts of a multipart upload read back to back as one stream, each opened from the blob store only when the
/// one before it is exhausted: completing an upload streams the parts into the object, never holding one whole.
/// </summary>
internal sealed class PartsStream(IBlobStore blobs, IReadOnlyList<UploadedPart> parts) : ReadOnlyStream
{
    private int next;
    private Stream? current;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (current is null)
            {
                if (next == parts.Count)
                {
                    return 0;
                }

                var part = parts[next++];
                current = await blobs.OpenReadAsync(part.BlobKey, 0, part.Size, cancellationToken)
                    ?? throw new IOException($"part {part.Number} of the upload is missing from the blob store");
            }

            var read = await current.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }

            await current.DisposeAsync();
            current = null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (current is not null)
        {
            await current.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            current?.Dispose();
        }

        base.Dispose(disposing);
    }
}
