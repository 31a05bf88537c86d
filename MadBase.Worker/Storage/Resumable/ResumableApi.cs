namespace MadBase.Worker.Storage.Resumable;

/// <summary>The TUS routes, as storage-api registers them (src/http/routes/tus/index.ts), with their own error shape.</summary>
internal static class ResumableApi
{
    private static readonly string[] Options = ["OPTIONS"];
    private static readonly string[] Head = ["HEAD"];

    public static IEndpointRouteBuilder MapResumableUploads(this IEndpointRouteBuilder routes)
    {
        var tus = routes.MapGroup(UploadUrl.Path).AddEndpointFilter<Tenancy.TenantFilter<TusErrorRenderer>>();

        tus.MapMethods("/", Options, ResumableHandlers.Options);
        tus.MapMethods("/{id}", Options, ResumableHandlers.Options);
        tus.MapPost("/", ResumableHandlers.Create);
        tus.MapMethods("/{id}", Head, ResumableHandlers.Head);
        tus.MapPatch("/{id}", ResumableHandlers.Patch);
        tus.MapDelete("/{id}", ResumableHandlers.Terminate);

        tus.MapPost(UploadUrl.SignedSuffix, ResumableHandlers.CreateSigned);
        tus.MapMethods(UploadUrl.SignedSuffix + "/{id}", Head, ResumableHandlers.HeadSigned);
        tus.MapPatch(UploadUrl.SignedSuffix + "/{id}", ResumableHandlers.PatchSigned);
        tus.MapDelete(UploadUrl.SignedSuffix + "/{id}", ResumableHandlers.TerminateSigned);
        return routes;
    }
}
