using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>/storage/v1: buckets, uploads (raw, multipart and resumable), downloads, listing, move and copy, signed and public URLs.</summary>
internal static class StorageFuzzRoutes
{
    private static readonly string[] BucketFields = ["id", "name", "public", "file_size_limit", "allowed_mime_types"];
    private static readonly string[] ListFields = ["prefix", "limit", "offset", "sortBy", "search", "cursor", "with_delimiter"];
    private static readonly string[] TransferFields = ["bucketId", "sourceKey", "destinationKey", "destinationBucket"];
    private static readonly string[] SignFields = ["expiresIn", "paths", "transform"];
    private static readonly string[] QueryNames = ["limit", "offset", "sortColumn", "sortOrder", "search", "download", "token", "width"];

    public static FuzzRequest Next(Random random, FuzzProject project)
    {
        var bucket = random.Next(6) == 0 ? FuzzText.UrlJunk(random) : FuzzText.Pick(random, ["fz", "fzp", "nobucket"]);
        var name = random.Next(3) == 0 ? FuzzText.Pick(random, ["a.txt", "dir/b.txt", "c.txt"]) : FuzzText.ObjectPath(random);
        var (method, path, body) = random.Next(26) switch
        {
            0 => ("GET", "/bucket" + FuzzText.Query(random, QueryNames), Body.None),
            1 => ("GET", "/bucket/" + bucket, Body.None),
            2 => ("POST", "/bucket", Body.Json(BucketFields)),
            3 => ("PUT", "/bucket/" + bucket, Body.Json(BucketFields)),
            4 => ("POST", "/bucket/" + FuzzText.UrlJunk(random) + "/empty", Body.None),
            5 => ("DELETE", "/bucket/" + FuzzText.UrlJunk(random), Body.None),
            6 or 7 => ("POST", "/object/list/" + bucket, Body.Json(ListFields)),
            8 => ("POST", "/object/list-v2/" + bucket, Body.Json(ListFields)),
            9 => ("POST", "/object/" + FuzzText.Pick(random, ["move", "copy"]), Body.Json(TransferFields)),
            10 or 11 => (FuzzText.Pick(random, ["POST", "PUT"]), $"/object/{bucket}/{name}", Body.Raw),
            12 or 13 => ("POST", $"/object/{bucket}/{name}", Body.Multipart),
            14 or 15 => (FuzzText.Pick(random, ["GET", "HEAD"]), $"/object/{FuzzText.Pick(random, ["", "public/", "authenticated/", "info/"])}{bucket}/{name}" + FuzzText.Query(random, QueryNames), Body.None),
            16 => ("DELETE", $"/object/{bucket}/{name}", Body.None),
            17 => ("DELETE", "/object/" + bucket, Body.Json(["prefixes"])),
            18 => ("POST", $"/object/sign/{bucket}/{name}", Body.Json(SignFields)),
            19 => ("POST", "/object/sign/" + bucket, Body.Json(SignFields)),
            20 => ("GET", $"/object/sign/{bucket}/{name}?token={SignedToken(random, project)}", Body.None),
            21 => ("POST", $"/object/upload/sign/{bucket}/{name}", Body.None),
            22 => ("PUT", $"/object/upload/sign/{bucket}/{name}?token={SignedToken(random, project)}", Body.Raw),
            23 => (FuzzText.Pick(random, ["POST", "OPTIONS"]), "/upload/resumable" + FuzzText.Pick(random, ["", "/sign"]), Body.Tus),
            24 => (FuzzText.Pick(random, ["PATCH", "HEAD", "DELETE"]), "/upload/resumable/" + FuzzText.Pick(random, ["", "sign/"]) + UploadId(random, bucket, name), Body.Tus),
            _ => ("GET", Tamper(random, project.SignedUrl), Body.None),
        };

        var headers = project.Headers(random.Next(5) switch
        {
            0 => project.AnonKey,
            1 => project.UserToken,
            2 => project.Tokens.Next(random),
            _ => project.ServiceRoleKey,
        });
        byte[]? bytes = null;
        if (body.Kind == "json")
        {
            bytes = FuzzJson.Body(random, body.Fields!);
            headers.Add(new("Content-Type", "application/json"));
        }
        else if (body.Kind == "raw")
        {
            bytes = random.Next(3) == 0 ? new byte[random.Next(1000, 3000)] : Encoding.UTF8.GetBytes(FuzzText.Junk(random));
            headers.Add(new("Content-Type", random.Next(4) == 0 ? FuzzBodies.HeaderSafe(FuzzText.Junk(random)) : "text/plain"));
            if (random.Next(3) == 0)
            {
                headers.Add(new("x-metadata", random.Next(2) == 0 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(FuzzJson.Value(random, 1))) : FuzzBodies.HeaderSafe(FuzzText.Junk(random))));
            }

            if (random.Next(4) == 0)
            {
                headers.Add(new("x-upsert", FuzzText.Pick(random, ["true", "false", "yes", ""])));
            }
        }
        else if (body.Kind == "tus")
        {
            bytes = random.Next(2) == 0 ? [] : Encoding.UTF8.GetBytes(FuzzText.Junk(random));
            headers.Add(new("Content-Type", random.Next(4) == 0 ? "text/plain" : "application/offset+octet-stream"));
            headers.Add(new("Tus-Resumable", random.Next(6) == 0 ? FuzzBodies.HeaderSafe(FuzzText.Junk(random)) : "1.0.0"));
            var number = FuzzText.Pick(random, ["0", "1", "-1", "99999999999999999999", "1e3", FuzzBodies.HeaderSafe(FuzzText.Junk(random))]);
            headers.Add(new(FuzzText.Pick(random, ["Upload-Length", "Upload-Offset", "Upload-Defer-Length"]), number));
            var metadata = random.Next(3) == 0
                ? FuzzBodies.HeaderSafe(FuzzText.Junk(random))
                : $"bucketName {Base64(bucket)},objectName {Base64(name)}," + FuzzText.Pick(random, ["contentType " + Base64(FuzzText.Junk(random)), "metadata " + Base64(FuzzJson.Value(random, 1)), "cacheControl " + Base64(FuzzText.Junk(random)), "x", "a b c"]);
            headers.Add(new("Upload-Metadata", metadata));
            if (random.Next(3) == 0)
            {
                headers.Add(new("x-signature", SignedToken(random, project)));
            }
        }
        else if (body.Kind == "multipart")
        {
            (bytes, var contentType) = FuzzBodies.Multipart(random);
            headers.Add(new("Content-Type", contentType));
        }

        if (random.Next(5) == 0)
        {
            headers.AddRange(FuzzBodies.Headers(random));
        }

        return new FuzzRequest(method, "/storage/v1" + path, headers, bytes);
    }

    /// <summary>A signed-URL token: a valid one for another object, one of any shape, or junk.</summary>
    private static string SignedToken(Random random, FuzzProject project) => random.Next(3) switch
    {
        0 => project.SignedUrl[(project.SignedUrl.IndexOf("token=", StringComparison.Ordinal) + 6)..],
        1 => Uri.EscapeDataString(project.Tokens.Next(random)),
        _ => FuzzText.UrlJunk(random),
    };

    /// <summary>An upload URL's id: junk, or base64url of bucket/name/version as the server makes them.</summary>
    private static string UploadId(Random random, string bucket, string name) => random.Next(3) == 0
        ? FuzzText.UrlJunk(random)
        : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{bucket}/{name}/{(random.Next(2) == 0 ? Guid.NewGuid().ToString("N") : FuzzText.Junk(random))}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>The valid signed URL with one character of its token changed or the path altered.</summary>
    private static string Tamper(Random random, string signedUrl)
    {
        var at = random.Next(signedUrl.Length);
        return random.Next(2) == 0
            ? signedUrl[..at] + FuzzText.UrlJunk(random) + signedUrl[(at + 1)..]
            : signedUrl.Replace("a.txt", FuzzText.ObjectPath(random), StringComparison.Ordinal);
    }

    private sealed record Body(string Kind, IReadOnlyList<string>? Fields)
    {
        public static readonly Body None = new("none", null);
        public static readonly Body Raw = new("raw", null);
        public static readonly Body Multipart = new("multipart", null);
        public static readonly Body Tus = new("tus", null);

        public static Body Json(IReadOnlyList<string> fields) => new("json", fields);
    }
}
