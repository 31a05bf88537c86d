using System.Text.Json;
using MadBase.Worker.Storage.Objects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage.Signing;

/// <summary>Signed download and upload URLs: storage-api's object/getSignedURL(s), getSignedObject, getSignedUploadURL, uploadSignedObject.</summary>
internal static class SigningHandlers
{
    /// <summary>storage-api's default lifetime of a signed upload URL.</summary>
    private static readonly TimeSpan UploadLifetime = TimeSpan.FromHours(2);

    public static async Task<IResult> Sign([AsParameters] StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        var body = await StorageJson.ReadObjectAsync(services.Context);
        var expiresIn = ExpiresIn(body);
        await using (var transaction = await services.BeginAsync("storage.object.sign"))
        {
            _ = await ObjectRows.FindAsync(transaction, bucket, path, services.Aborted) ?? throw StorageError.NoSuchKey();
        }

        // With a transform the URL renders the image (storage-api's /render/image/sign), its options in the token.
        var transform = Render.ImageTransform.FromJson(body);
        var url = bucket + "/" + path;
        var token = SignedTokens.Sign(services.Project, SignedTokens.Download, url, expiresIn, services.Time.GetUtcNow(), transformations: transform?.ToClaim());
        var route = transform is null ? "/object/sign/" : "/render/image/sign/";
        return Results.Json(new Dictionary<string, string> { ["signedURL"] = $"{route}{url}?token={token}" });
    }

    public static async Task<IResult> SignMany([AsParameters] StorageServices services, string bucket)
    {
        var body = await StorageJson.ReadObjectAsync(services.Context);
        var expiresIn = ExpiresIn(body);
        if (!body.TryGetProperty("paths", out var paths) || paths.ValueKind != JsonValueKind.Array || paths.GetArrayLength() is 0 or > 1000)
        {
            throw StorageError.InvalidRequest("body must have required property 'paths' (1 to 1000 names)");
        }

        var now = services.Time.GetUtcNow();
        var results = new List<Dictionary<string, string?>>();
        await using var transaction = await services.BeginAsync("storage.object.sign");
        foreach (var item in paths.EnumerateArray())
        {
            var path = item.ValueKind == JsonValueKind.String ? item.GetString()! : string.Empty;
            var exists = path.Length > 0 && await ObjectRows.FindAsync(transaction, bucket, path, services.Aborted) is not null;
            var url = bucket + "/" + path;
            results.Add(new Dictionary<string, string?>
            {
                ["error"] = exists ? null : "Either the object does not exist or you do not have access to it",
                ["path"] = path,
                ["signedURL"] = exists ? $"/object/sign/{url}?token={SignedTokens.Sign(services.Project, SignedTokens.Download, url, expiresIn, now)}" : null,
            });
        }

        return Results.Json(results);
    }

    public static async Task<IResult> DownloadSigned([AsParameters] StorageServices services, string bucket, string path)
    {
        var (row, _) = await FindSignedAsync(services, bucket, path);
        return await ObjectDownload.SendAsync(services, row);
    }

    /// <summary>The object a download token of the query string was issued for, with the token's claims.</summary>
    public static async Task<(ObjectRow Row, SignedClaims Claims)> FindSignedAsync(StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        var claims = await SignedTokens.VerifyAsync(
            services.Verifier, services.Project, services.Context.Request.Query["token"], SignedTokens.Download, bucket + "/" + path);

        // The token is the authorisation: it was only issued to someone allowed to read the object.
        await using var transaction = await services.BeginAsync("storage.object.get_signed", asServiceRole: true);
        var row = await ObjectRows.FindAsync(transaction, bucket, path, services.Aborted) ?? throw StorageError.NoSuchKey();
        await transaction.CommitAsync(services.Aborted);
        return (row, claims);
    }

    public static async Task<IResult> CreateUploadUrl([AsParameters] StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        var upsert = services.Upsert;

        await UploadPermission.CheckAsync(services, bucket, path, upsert, "storage.object.upload_sign");

        var url = bucket + "/" + path;
        var token = SignedTokens.Sign(services.Project, SignedTokens.Upload, url, UploadLifetime, services.Time.GetUtcNow(), services.Tenant.Caller.Subject, upsert);
        return Results.Json(new Dictionary<string, string> { ["url"] = $"/object/upload/sign/{url}?token={token}", ["token"] = token });
    }

    public static async Task<IResult> UploadSigned([AsParameters] StorageServices services, string bucket, string path)
    {
        ObjectNames.Validate(path);
        var claims = await SignedTokens.VerifyAsync(services.Verifier, services.Project, services.Context.Request.Query["token"], SignedTokens.Upload, bucket + "/" + path);
        var target = new UploadTarget(bucket, path, claims.Upsert, claims.Owner, AsServiceRole: true, "storage.object.upload_signed");
        return await ObjectUpload.RunAsync(services, target);
    }

    private static TimeSpan ExpiresIn(JsonElement body)
    {
        if (!body.TryGetProperty("expiresIn", out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds) || seconds < 1)
        {
            throw StorageError.InvalidRequest("body must have required property 'expiresIn' (a positive number of seconds)");
        }

        return TimeSpan.FromSeconds(Math.Min(seconds, 10L * 365 * 24 * 3600));
    }
}
