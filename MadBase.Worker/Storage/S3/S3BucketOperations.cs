using System.Text.Json;
using MadBase.Worker.Storage.Buckets;

namespace MadBase.Worker.Storage.S3;

/// <summary>ListBuckets, CreateBucket, HeadBucket, DeleteBucket and GetBucketLocation, on the Storage module's bucket SQL under the caller's RLS.</summary>
internal static class S3BucketOperations
{
    public static async Task<IResult> ListBucketsAsync(StorageServices services)
    {
        string json;
        await using (var transaction = await services.BeginAsync("storage.bucket.list"))
        {
            json = await Buckets.Buckets.ListAsync(transaction, QueryCollection.Empty, services.Aborted);
            await transaction.CommitAsync(services.Aborted);
        }

        using var document = JsonDocument.Parse(json);
        var buckets = document.RootElement.EnumerateArray().Select(b => S3Xml.Element(
            "Bucket",
            S3Xml.Element("Name", b.GetProperty("id").GetString()),
            S3Xml.Element("CreationDate", S3Xml.Time(b.GetProperty("created_at").GetDateTimeOffset()))));
        return S3Xml.Result(S3Xml.Element(
            "ListAllMyBucketsResult",
            S3Xml.Element("Owner", S3Xml.Element("ID", services.Project.Ref), S3Xml.Element("DisplayName", services.Project.Ref)),
            S3Xml.Element("Buckets", buckets)));
    }

    public static async Task<IResult> CreateBucketAsync(StorageServices services, string bucket)
    {
        // The body, if any, is a CreateBucketConfiguration naming a region: there is one.
        var fields = new BucketFields(ObjectNames.ValidateBucket(bucket), bucket, null, false, null, false, null);
        await using var transaction = await services.BeginAsync("storage.bucket.create");
        await Buckets.Buckets.CreateAsync(transaction, fields, services.Tenant.Caller, services.Aborted);
        await transaction.CommitAsync(services.Aborted);
        services.Context.Response.Headers.Location = "/" + bucket;
        return Results.Ok();
    }

    public static async Task<IResult> HeadBucketAsync(StorageServices services, string bucket)
    {
        await using var transaction = await services.BeginAsync("storage.bucket.get");
        _ = await Buckets.Buckets.GetAsync(transaction, bucket, services.Aborted) ?? throw StorageError.NoSuchBucket();
        await transaction.CommitAsync(services.Aborted);
        services.Context.Response.Headers["x-amz-bucket-region"] = services.Region();
        return Results.Ok();
    }

    public static async Task<IResult> DeleteBucketAsync(StorageServices services, string bucket)
    {
        // As DELETE /bucket/{id}: emptiness is a fact about the bucket, not about what the caller may see.
        await using (var check = await services.BeginAsync("storage.bucket.delete", asServiceRole: true))
        {
            if (await Buckets.Buckets.HasObjectsAsync(check, bucket, services.Aborted))
            {
                throw S3Errors.BucketNotEmpty();
            }
        }

        await using var transaction = await services.BeginAsync("storage.bucket.delete");
        if (!await Buckets.Buckets.DeleteAsync(transaction, bucket, services.Aborted))
        {
            throw StorageError.NoSuchBucket();
        }

        await transaction.CommitAsync(services.Aborted);
        return Results.NoContent();
    }

    public static IResult Location(StorageServices services) =>
        S3Xml.Result(S3Xml.Element("LocationConstraint", services.Region()));
}
