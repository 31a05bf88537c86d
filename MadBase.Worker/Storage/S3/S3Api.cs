using MadBase.ServiceDefaults.Storage;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Storage.S3;

/// <summary>
/// /storage/v1/s3: the S3 protocol (path-style) onto the same buckets and objects as /storage/v1, as storage-api's
/// src/http/routes/s3 serves it. One route takes every request; S3 tells operations apart by method, query and
/// headers, which <see cref="S3Router"/> reads. <see cref="S3Authentication"/> has checked the signature before.
/// </summary>
internal static class S3Api
{
    private static readonly string[] Methods = ["GET", "HEAD", "PUT", "POST", "DELETE"];

    public static IEndpointRouteBuilder MapS3Api(this IEndpointRouteBuilder routes)
    {
        routes.MapMethods(S3AccessKeyIds.ProtocolPath + "/{**path}", Methods, S3Router.RouteAsync)
            .AddEndpointFilter<TenantFilter<S3ErrorRenderer>>();
        return routes;
    }

    /// <summary>The one region this S3 endpoint serves (<see cref="StorageOptions.S3ProtocolRegion"/>).</summary>
    public static string Region(this StorageServices services) =>
        services.Context.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.S3ProtocolRegion;

    /// <summary>SigV4 before routing's handlers bind the request's tenant: the signature decides who the caller is.</summary>
    public static IApplicationBuilder UseS3Authentication(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(S3AccessKeyIds.ProtocolPath, StringComparison.Ordinal),
            branch => branch.UseMiddleware<S3Authentication>());
}
