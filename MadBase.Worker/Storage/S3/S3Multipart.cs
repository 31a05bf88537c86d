namespace MadBase.Worker.Storage.S3;

/// <summary>S3 multipart uploads (create, upload part, complete, abort, list parts).</summary>
internal static class S3Multipart
{
    public static Task<IResult> CreateAsync(StorageServices services, string bucket, string key) =>
        throw S3Errors.NotImplemented("CreateMultipartUpload");

    public static Task<IResult> UploadPartAsync(StorageServices services, string bucket, string key, string uploadId) =>
        throw S3Errors.NotImplemented("UploadPart");

    public static Task<IResult> CompleteAsync(StorageServices services, string bucket, string key, string uploadId) =>
        throw S3Errors.NotImplemented("CompleteMultipartUpload");

    public static Task<IResult> AbortAsync(StorageServices services, string bucket, string key, string uploadId) =>
        throw S3Errors.NotImplemented("AbortMultipartUpload");

    public static Task<IResult> ListPartsAsync(StorageServices services, string bucket, string key, string uploadId) =>
        throw S3Errors.NotImplemented("ListParts");
}
