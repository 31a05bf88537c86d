using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Storage.Signing;

namespace MadBase.Worker.Storage.Render;

/// <summary>
/// storage-api's <c>/render/image/authenticated|public|sign/{bucket}/{path}</c>: the object found as its download
/// route finds it (the caller's RLS, a public bucket, or a signed token), then rendered with the transformation of
/// the query string or, for a signed URL, of its token.
/// </summary>
internal static class RenderHandlers
{
    public static async Task<IResult> AuthenticatedAsync([AsParameters] StorageServices services, string bucket, string path)
    {
        var transform = ImageTransform.FromQuery(services.Context.Request.Query);
        return await ImageRenderer.RenderAsync(services, await ObjectDownload.FindAuthenticatedAsync(services, bucket, path), transform);
    }

    public static async Task<IResult> PublicAsync([AsParameters] StorageServices services, string bucket, string path)
    {
        var transform = ImageTransform.FromQuery(services.Context.Request.Query);
        return await ImageRenderer.RenderAsync(services, await ObjectDownload.FindPublicAsync(services, bucket, path), transform);
    }

    public static async Task<IResult> SignedAsync([AsParameters] StorageServices services, string bucket, string path)
    {
        var (row, claims) = await SigningHandlers.FindSignedAsync(services, bucket, path);
        return await ImageRenderer.RenderAsync(services, row, ImageTransform.FromClaim(claims.Transformations));
    }
}
