using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MadBase.Worker.Storage.Blobs;

/// <summary>
/// Objects in one S3 bucket (MinIO in production), path-style. Bodies of unknown length are sent as a single
/// PUT when they fit in one part and as a multipart upload otherwise, buffering one part at a time; a failed
/// multipart upload is aborted so no partial object ever appears. AWSSDK.S3 rather than the Minio SDK, whose
/// ranged reads fail against S3's 206 answer to a ranged HEAD (<c>bench/minio.sh</c>, README "Architecture").
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly AmazonS3Client client;
    private readonly string bucket;
    private readonly int partSize;
    private Lazy<Task> bucketReady;

    public S3BlobStore(StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = options.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        bucket = options.Bucket;
        partSize = options.S3PartSizeBytes;
        bucketReady = new Lazy<Task>(EnsureBucketAsync);
    }

    public async Task<long> WriteAsync(string key, Stream content, string contentType, CancellationToken cancellationToken)
    {
        await ReadyAsync();
        var buffer = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            var filled = await FillAsync(content, buffer, cancellationToken);
            if (filled < partSize)
            {
                using var single = new MemoryStream(buffer, 0, filled, writable: false);
                await client.PutObjectAsync(
                    new PutObjectRequest { BucketName = bucket, Key = key, InputStream = single, ContentType = contentType, AutoCloseStream = false },
                    cancellationToken);
                return filled;
            }

            return await WriteMultipartAsync(key, content, contentType, buffer, filled, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        await ReadyAsync();
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (offset > 0 || length != long.MaxValue)
        {
            request.ByteRange = new ByteRange(offset, length == long.MaxValue ? long.MaxValue : offset + length - 1);
        }

        try
        {
            var response = await client.GetObjectAsync(request, cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken)
    {
        await ReadyAsync();
        await client.CopyObjectAsync(
            new CopyObjectRequest { SourceBucket = bucket, SourceKey = sourceKey, DestinationBucket = bucket, DestinationKey = destinationKey },
            cancellationToken);
    }

    public async Task DeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        await ReadyAsync();
        foreach (var batch in keys.Chunk(1000))
        {
            await client.DeleteObjectsAsync(
                new DeleteObjectsRequest { BucketName = bucket, Objects = [.. batch.Select(k => new KeyVersion { Key = k })], Quiet = true },
                cancellationToken);
        }
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await ReadyAsync();
        string? continuation = null;
        do
        {
            var page = await client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = continuation },
                cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new BlobEntry(item.Key, item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime()) : DateTimeOffset.MinValue);
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public void Dispose() => client.Dispose();

    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    private async Task<long> WriteMultipartAsync(string key, Stream content, string contentType, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        var upload = await client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = contentType }, cancellationToken);
        var parts = new List<PartETag>();
        long total = 0;
        try
        {
            while (filled > 0)
            {
                using var part = new MemoryStream(buffer, 0, filled, writable: false);
                var response = await client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = bucket,
                        Key = key,
                        UploadId = upload.UploadId,
                        PartNumber = parts.Count + 1,
                        PartSize = filled,
                        InputStream = part,
                    },
                    cancellationToken);
                parts.Add(new PartETag(parts.Count + 1, response.ETag));
                total += filled;
                filled = await FillAsync(content, buffer, cancellationToken);
            }

            await client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = parts },
                cancellationToken);
            return total;
        }
        catch
        {
            await AbortQuietlyAsync(key, upload.UploadId);
            throw;
        }
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, CancellationToken.None);
        }
        catch (AmazonS3Exception)
        {
            // The upload was never completed, so no object exists; a server that already dropped the
            // upload (or a lifecycle rule) leaves nothing to abort. The original failure is what matters.
        }
    }

    private async Task ReadyAsync()
    {
        var ready = bucketReady;
        try
        {
            await ready.Value;
        }
        catch
        {
            // S3 was unreachable: the next request tries again instead of failing forever.
            Interlocked.CompareExchange(ref bucketReady, new Lazy<Task>(EnsureBucketAsync), ready);
            throw;
        }
    }

    private async Task EnsureBucketAsync()
    {
        try
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Conflict || e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Created earlier or by another worker: exactly what we wanted.
        }
    }
}
