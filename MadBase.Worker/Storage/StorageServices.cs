using MadBase.ServiceDefaults.Security;
using MadBase.Worker.Storage.Blobs;

namespace MadBase.Worker.Storage;

/// <summary>What storage handlers need, injected as one parameter.</summary>
internal sealed class StorageServices(StorageSession session, BlobStore blobs, JwtVerifier verifier, TimeProvider time, ILogger<StorageServices> logger)
{
    public StorageSession Session { get; } = session;

    public BlobStore Blobs { get; } = blobs;

    public JwtVerifier Verifier { get; } = verifier;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;
}
