using MadBase.Worker.Storage.Buckets;
using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Storage.Render;
using MadBase.Worker.Storage.Resumable;
using MadBase.Worker.Storage.S3;
using MadBase.Worker.Storage.Signing;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage;

/// <summary>
/// /storage/v1: storage-api compatible (supabase/storage src/http/routes), as storage-js calls it. Handlers
/// get the request's <see cref="Tenant"/> in <see cref="StorageServices"/>, open transactions with
/// <see cref="StorageServices.BeginAsync"/> and throw <see cref="StorageError"/>; <see cref="TenantFilter{TRenderer}"/> answers in storage-api's shape.
/// </summary>
internal static class StorageApi
{
    /// <summary>What GET /version answers: the storage-api release whose routes this module follows (its package.json).</summary>
    public const string CompatibleVersion = "1.11.2";

    private static readonly string[] Head = ["HEAD"];

    public static IEndpointRouteBuilder MapStorageApi(this IEndpointRouteBuilder routes)
    {
        // storage-api serves these outside its tenant and JWT plugins (src/app.ts): no project database is touched.
        routes.MapGet("/storage/v1/status", () => Results.Ok());
        routes.MapGet("/storage/v1/version", () => Results.Text(CompatibleVersion, "text/plain"));

        var storage = routes.MapGroup("/storage/v1").AddEndpointFilter<TenantFilter<StorageErrorRenderer>>();

        storage.MapGet("/bucket", BucketHandlers.List);
        storage.MapGet("/bucket/{id}", BucketHandlers.Get);
        storage.MapPost("/bucket", BucketHandlers.Create);
        storage.MapPut("/bucket/{id}", BucketHandlers.Update);
        storage.MapPost("/bucket/{id}/empty", BucketHandlers.Empty);
        storage.MapDelete("/bucket/{id}", BucketHandlers.Delete);

        storage.MapPost("/object/list/{bucket}", ObjectListing.List);
        storage.MapPost("/object/list-v2/{bucket}", ObjectListing.ListV2);
        storage.MapPost("/object/move", ObjectHandlers.Move);
        storage.MapPost("/object/copy", ObjectHandlers.Copy);

        storage.MapPost("/object/sign/{bucket}", SigningHandlers.SignMany);
        storage.MapPost("/object/sign/{bucket}/{**path}", SigningHandlers.Sign);
        storage.MapGet("/object/sign/{bucket}/{**path}", SigningHandlers.DownloadSigned);
        storage.MapMethods("/object/sign/{bucket}/{**path}", Head, SigningHandlers.DownloadSigned);
        storage.MapPost("/object/upload/sign/{bucket}/{**path}", SigningHandlers.CreateUploadUrl);
        storage.MapPut("/object/upload/sign/{bucket}/{**path}", SigningHandlers.UploadSigned);

        storage.MapGet("/object/info/public/{bucket}/{**path}", ObjectHandlers.PublicInfo);
        storage.MapGet("/object/info/authenticated/{bucket}/{**path}", ObjectHandlers.Info);
        storage.MapGet("/object/info/{bucket}/{**path}", ObjectHandlers.Info);
        storage.MapGet("/object/public/{bucket}/{**path}", ObjectDownload.PublicAsync);
        storage.MapMethods("/object/public/{bucket}/{**path}", Head, ObjectDownload.PublicAsync);
        storage.MapGet("/object/authenticated/{bucket}/{**path}", ObjectDownload.AuthenticatedAsync);
        storage.MapMethods("/object/authenticated/{bucket}/{**path}", Head, ObjectDownload.AuthenticatedAsync);
        storage.MapGet("/object/{bucket}/{**path}", ObjectDownload.AuthenticatedAsync);
        storage.MapMethods("/object/{bucket}/{**path}", Head, ObjectDownload.AuthenticatedAsync);

        storage.MapGet("/render/image/authenticated/{bucket}/{**path}", RenderHandlers.AuthenticatedAsync);
        storage.MapGet("/render/image/public/{bucket}/{**path}", RenderHandlers.PublicAsync);
        storage.MapGet("/render/image/sign/{bucket}/{**path}", RenderHandlers.SignedAsync);

        storage.MapPost("/object/{bucket}/{**path}", ObjectHandlers.Create);
        storage.MapPut("/object/{bucket}/{**path}", ObjectHandlers.Update);
        storage.MapDelete("/object/{bucket}/{**path}", ObjectHandlers.DeleteOne);
        storage.MapDelete("/object/{bucket}", ObjectHandlers.DeleteMany);

        routes.MapS3Api();
        routes.MapResumableUploads();
        return routes;
    }
}
