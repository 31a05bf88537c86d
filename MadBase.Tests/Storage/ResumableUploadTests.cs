using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;
using MadBase.Worker.Storage.Blobs;
using MadBase.Worker.Storage.Resumable;
using Npgsql;

namespace MadBase.Tests.Storage;

/// <summary>TUS 1.0 at /storage/v1/upload/resumable, spoken as tus-js-client speaks it, against the real stack.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class ResumableUploadTests(SecondStackFixture stack) : IAsyncLifetime
{
    private static readonly Guid Alice = Guid.NewGuid();
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.SharedAsync(stack, "storage resumable", """
            INSERT INTO storage.buckets (id, name) VALUES ('tus', 'tus'), ('mine', 'mine'), ('shrinking', 'shrinking');
            INSERT INTO storage.buckets (id, name, file_size_limit) VALUES ('small', 'small', 10);
            INSERT INTO storage.buckets (id, name, allowed_mime_types) VALUES ('images', 'images', '{image/*}');
            CREATE POLICY "own folder insert" ON storage.objects FOR INSERT TO authenticated
                WITH CHECK (bucket_id = 'mine' AND (storage.foldername(name))[1] = auth.uid()::text);
            CREATE POLICY "own folder select" ON storage.objects FOR SELECT TO authenticated
                USING (bucket_id = 'mine' AND (storage.foldername(name))[1] = auth.uid()::text);
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Upload_InChunks_HeadTracksOffsetAndObjectCompletes()
    {
        var data = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 100);
        var location = await CreateAsync("tus", "chunks/data.bin", data.Length, ("contentType", "application/x-test"), ("cacheControl", "3600"), ("metadata", """{"who":"tests"}"""));
        await AssertOffsetAsync(location, 0, data.Length);

        using (var first = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent(data, 0, 1024 * 1024)))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal("1048576", first.Headers.GetValues("Upload-Offset").Single());
            Assert.False(first.Headers.Contains("Tus-Complete"));
        }

        await AssertOffsetAsync(location, 1024 * 1024, data.Length);
        Assert.Single(Directory.GetFiles(PartsFolder(location)));
        using (var last = await project.TusAsync(HttpMethod.Patch, location, 1024 * 1024, new ByteArrayContent(data, 1024 * 1024, data.Length - (1024 * 1024))))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            Assert.Equal("1", last.Headers.GetValues("Tus-Complete").Single());
        }

        using var download = await project.StorageAsync(HttpMethod.Get, "/object/tus/chunks/data.bin");
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/x-test", download.Content.Headers.ContentType!.ToString());
        Assert.Equal("\"" + Convert.ToHexStringLower(MD5.HashData(data)) + "\"", download.Headers.ETag!.Tag);
        using var info = await project.StorageAsync(HttpMethod.Get, "/object/info/tus/chunks/data.bin");
        var json = await StorageCalls.ReadJsonAsync(info);
        Assert.Equal("max-age=3600", json.GetProperty("cache_control").GetString());
        Assert.Equal("tests", json.GetProperty("metadata").GetProperty("who").GetString());

        // A client whose last answer was lost finds the upload complete; its parts are gone.
        await AssertOffsetAsync(location, data.Length, data.Length);
        Assert.False(Directory.Exists(PartsFolder(location)));
    }

    [Fact]
    public async Task Options_AdvertisesProtocol()
    {
        using var response = await project.StorageAsync(HttpMethod.Options, "/upload/resumable");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Version").Single());
        Assert.Contains("creation", response.Headers.GetValues("Tus-Extension").Single(), StringComparison.Ordinal);
        Assert.Matches("^[0-9]+$", response.Headers.GetValues("Tus-Max-Size").Single());
    }

    [Fact]
    public async Task Create_BadInput_AnswersTusErrors()
    {
        using (var noName = await project.TusCreateAsync(5, new Dictionary<string, string> { ["bucketName"] = "tus" }))
        {
            await StorageCalls.AssertTusErrorAsync(noName, 400, "Upload-Metadata must name bucketName and objectName");
        }

        using (var noBucket = await project.TusCreateAsync(5, Metadata("nowhere", "a.txt")))
        {
            await StorageCalls.AssertTusErrorAsync(noBucket, 404, "Bucket not found");
        }

        using (var tooBig = await project.TusCreateAsync(11, Metadata("small", "big.bin")))
        {
            await StorageCalls.AssertTusErrorAsync(tooBig, 413, "Maximum size exceeded");
        }

        using (var wrongType = await project.TusCreateAsync(5, Metadata("images", "a.txt", ("contentType", "text/plain"))))
        {
            await StorageCalls.AssertTusErrorAsync(wrongType, 415, "mime type text/plain is not supported");
        }

        using (var badName = await project.TusCreateAsync(5, Metadata("tus", "../escape")))
        {
            await StorageCalls.AssertTusErrorAsync(badName, 400, "Invalid key: ../escape");
        }

        using var request = project.StorageRequest(HttpMethod.Post, "/upload/resumable");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", "5");
        request.Headers.Add("Upload-Metadata", "bucketName not-base64!");
        using var garbled = await TestHttp.Client.SendAsync(request);
        await StorageCalls.AssertTusErrorAsync(garbled, 400, "Invalid Upload-Metadata header");
    }

    [Fact]
    public async Task Patch_WrongOffsetVersionOrType_Refused()
    {
        var location = await CreateAsync("tus", "refusals/a.txt", 4);
        using (var conflict = await project.TusAsync(HttpMethod.Patch, location, 2, new ByteArrayContent([1, 2])))
        {
            await StorageCalls.AssertTusErrorAsync(conflict, 409, "Upload-Offset conflict");
        }

        var plain = new ByteArrayContent([1, 2]);
        plain.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using (var request = project.StorageRequest(HttpMethod.Patch, location[project.StorageUrl().Length..], content: plain))
        {
            request.Headers.Add("Tus-Resumable", "1.0.0");
            request.Headers.Add("Upload-Offset", "0");
            using var wrongType = await TestHttp.Client.SendAsync(request);
            await StorageCalls.AssertTusErrorAsync(wrongType, 415, "Content-Type must be application/offset+octet-stream");
        }

        using (var request = project.StorageRequest(HttpMethod.Head, location[project.StorageUrl().Length..]))
        {
            using var noVersion = await TestHttp.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.PreconditionFailed, noVersion.StatusCode);
        }

        using (var overflow = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent([1, 2, 3, 4, 5])))
        {
            await StorageCalls.AssertTusErrorAsync(overflow, 413, "Maximum size exceeded");
        }

        using var unknown = await project.TusAsync(HttpMethod.Head, project.StorageUrl() + "/upload/resumable/" + new UploadUrl("tus", "refusals/a.txt", BlobKeys.NewVersion()).Encoded);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Create_ExistingObject_DuplicateUnlessUpsert()
    {
        using (var first = await project.UploadAsync("tus", "upsert/file.txt", "old"))
        {
            await StorageCalls.AssertOkAsync(first);
        }

        using (var duplicate = await project.TusCreateAsync(3, Metadata("tus", "upsert/file.txt")))
        {
            await StorageCalls.AssertTusErrorAsync(duplicate, 409, "The resource already exists");
        }

        var location = await CreateAsync("tus", "upsert/file.txt", 3, upsert: true);
        await PatchAllAsync(location, "new"u8.ToArray());
        Assert.Equal("new", await project.DownloadTextAsync("tus", "upsert/file.txt"));
        Assert.Single(project.BlobFiles("tus", "upsert/file.txt"));
    }

    [Fact]
    public async Task Policies_CheckedAtCreationAndAgainAtCompletion()
    {
        var alice = project.UserToken(Alice);
        using (var anon = await project.TusCreateAsync(3, Metadata("mine", $"{Alice}/anon.txt"), bearer: project.AnonKey))
        {
            await StorageCalls.AssertTusErrorAsync(anon, 403, "new row violates row-level security policy");
        }

        using (var otherFolder = await project.TusCreateAsync(3, Metadata("mine", $"{Guid.NewGuid()}/x.txt"), bearer: alice))
        {
            await StorageCalls.AssertTusErrorAsync(otherFolder, 403, "new row violates row-level security policy");
        }

        var name = $"{Alice}/revoked-{Guid.NewGuid():N}.txt";
        var location = await CreateAsync("mine", name, 4, bearer: alice);

        // Someone else's upload is not there for another user, even with its URL.
        using (var stranger = await project.TusAsync(HttpMethod.Head, location, bearer: project.UserToken(Guid.NewGuid())))
        {
            Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        }

        using (var part = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent([1, 2]), alice))
        {
            Assert.Equal(HttpStatusCode.NoContent, part.StatusCode);
        }

        // The policy goes away mid-upload: the last chunk is refused (policies are checked on every PATCH, as
        // storage-api does, and again when the object row is written), the upload stays where it was.
        await project.ExecuteAsync($"""
            CREATE POLICY "no revoked" ON storage.objects AS RESTRICTIVE FOR INSERT TO authenticated
                WITH CHECK (name <> '{name}');
            """);
        using (var last = await project.TusAsync(HttpMethod.Patch, location, 2, new ByteArrayContent([3, 4]), alice))
        {
            await StorageCalls.AssertTusErrorAsync(last, 403, "new row violates row-level security policy");
        }

        Assert.Equal(0, await project.CountObjectsAsync("mine", name));
        await AssertOffsetAsync(location, 2, 4, alice);
    }

    [Fact]
    public async Task BucketLimitLoweredMidUpload_CompletionRefusedAndUploadEnded()
    {
        var location = await CreateAsync("shrinking", "file.bin", 8);
        using (var part = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent([1, 2, 3, 4])))
        {
            Assert.Equal(HttpStatusCode.NoContent, part.StatusCode);
        }

        await project.ExecuteAsync("UPDATE storage.buckets SET file_size_limit = 5 WHERE id = 'shrinking'");
        using (var last = await project.TusAsync(HttpMethod.Patch, location, 4, new ByteArrayContent([5, 6, 7, 8])))
        {
            await StorageCalls.AssertTusErrorAsync(last, 413, "Maximum size exceeded");
        }

        Assert.Equal(0, await project.CountObjectsAsync("shrinking", "file.bin"));
        using var head = await project.TusAsync(HttpMethod.Head, location);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(Directory.Exists(PartsFolder(location)));
    }

    [Fact]
    public async Task ConcurrentPatch_SecondRefusedWhileFirstHoldsTheUpload()
    {
        var location = await CreateAsync("tus", "concurrent/file.bin", 2048);
        var release = new TaskCompletionSource();
        var slow = new HeldContent(new byte[2048], release.Task);
        var holding = project.TusAsync(HttpMethod.Patch, location, 0, slow);
        await slow.FirstBytesSent;

        // The first PATCH holds the upload's row while it reads its body (its transaction sits idle after the
        // locking query); a second PATCH meanwhile is refused at once.
        var held = false;
        for (var attempt = 0; attempt < 100 && !held; attempt++)
        {
            held = await project.ScalarAsync<long>("""
                SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                AND state = 'idle in transaction' AND query LIKE '%resumable_uploads%FOR UPDATE NOWAIT%'
                """) > 0;
            if (!held)
            {
                await Task.Delay(50);
            }
        }

        Assert.True(held, "the first PATCH never held the upload");
        using (var second = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent([])))
        {
            await StorageCalls.AssertTusErrorAsync(second, 423, "The resource is locked");
        }

        release.SetResult();
        using (var first = await holding)
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal("2048", first.Headers.GetValues("Upload-Offset").Single());
        }

        Assert.Equal(1, await project.CountObjectsAsync("tus", "concurrent/file.bin"));
    }

    [Fact]
    public async Task DroppedConnection_MidChunk_ResumesFromLastRecordedOffset()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        var location = await CreateAsync("tus", "resume/file.bin", data.Length);
        using (var first = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent(data, 0, 50_000)))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => project.TusAsync(HttpMethod.Patch, location, 50_000, new BrokenContent(data[50_000..120_000])));

        // The half-sent chunk is not counted; the client resumes from what HEAD reports (retrying while the dead
        // request still holds the upload, as tus-js-client retries a 423).
        var resumed = false;
        for (var attempt = 0; attempt < 50 && !resumed; attempt++)
        {
            await AssertOffsetAsync(location, 50_000, data.Length);
            using var retry = await project.TusAsync(HttpMethod.Patch, location, 50_000, new ByteArrayContent(data, 50_000, data.Length - 50_000));
            resumed = retry.StatusCode == HttpStatusCode.NoContent;
            if (!resumed)
            {
                Assert.Equal((HttpStatusCode)423, retry.StatusCode);
                await Task.Delay(100);
            }
        }

        Assert.True(resumed);
        using var download = await project.StorageAsync(HttpMethod.Get, "/object/tus/resume/file.bin");
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Expired_RefusedThenSweptWithItsParts()
    {
        var location = await CreateAsync("tus", "expired/file.bin", 10);
        using (var part = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent([1, 2, 3])))
        {
            Assert.Equal(HttpStatusCode.NoContent, part.StatusCode);
        }

        var id = UploadUrl.Decode(location.Split('/')[^1]).Version;
        await project.ExecuteAsync($"UPDATE storage.resumable_uploads SET expires_at = now() - interval '1 minute' WHERE id = '{id}'");
        using (var head = await project.TusAsync(HttpMethod.Head, location))
        {
            Assert.Equal(HttpStatusCode.Gone, head.StatusCode);
        }

        using (var patch = await project.TusAsync(HttpMethod.Patch, location, 3, new ByteArrayContent([4])))
        {
            await StorageCalls.AssertTusErrorAsync(patch, 410, "The file for this url no longer exists");
        }

        var builder = new NpgsqlConnectionStringBuilder(stack.SystemConnectionString) { Database = project.DatabaseName };
        await using var database = NpgsqlDataSource.Create(builder.ConnectionString);
        var store = new FileSystemBlobStore(Path.Combine(stack.Stack.DataDirectory, "storage"));
        Assert.True(await ExpiredUploadSweep.SweepAsync(project.Ref, ct => database.OpenConnectionAsync(ct).AsTask(), store, DateTimeOffset.UtcNow, CancellationToken.None) >= 1);
        Assert.Equal(0, await project.ScalarAsync<long>("SELECT count(*) FROM storage.resumable_uploads WHERE id = $1", id));
        Assert.False(Directory.Exists(PartsFolder(location)));
    }

    [Fact]
    public async Task Terminate_DeletesUploadAndParts()
    {
        var location = await CreateAsync("tus", "terminate/file.bin", 10);
        using (var part = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent([1, 2, 3])))
        {
            Assert.Equal(HttpStatusCode.NoContent, part.StatusCode);
        }

        using (var delete = await project.TusAsync(HttpMethod.Delete, location))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var head = await project.TusAsync(HttpMethod.Head, location);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.False(Directory.Exists(PartsFolder(location)));
    }

    [Fact]
    public async Task Signed_XSignatureAuthorisesAndNamesTheOwner()
    {
        var name = $"{Alice}/signed-{Guid.NewGuid():N}.txt";
        using var sign = await project.StorageAsync(HttpMethod.Post, $"/object/upload/sign/mine/{name}", project.UserToken(Alice));
        var token = (await StorageCalls.ReadJsonAsync(sign)).GetProperty("token").GetString()!;

        using (var missing = await project.TusCreateAsync(2, Metadata("mine", name), project.AnonKey, signed: true))
        {
            await StorageCalls.AssertTusErrorAsync(missing, 400, "Missing x-signature header");
        }

        using (var otherPath = await project.TusCreateAsync(2, Metadata("mine", name + ".other"), project.AnonKey, signed: true, ("x-signature", token)))
        {
            await StorageCalls.AssertTusErrorAsync(otherPath, 400, "The url and token do not match");
        }

        using var created = await project.TusCreateAsync(2, Metadata("mine", name), project.AnonKey, signed: true, ("x-signature", token));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();
        Assert.StartsWith(project.StorageUrl() + "/upload/resumable/sign/", location, StringComparison.Ordinal);

        using (var unsigned = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent("hi"u8.ToArray()), project.AnonKey))
        {
            await StorageCalls.AssertTusErrorAsync(unsigned, 400, "Missing x-signature header");
        }

        using (var patch = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent("hi"u8.ToArray()), project.AnonKey, ("x-signature", token)))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        Assert.Equal("hi", await project.DownloadTextAsync("mine", name));
        Assert.Equal(Alice.ToString(), await project.ScalarAsync<string>("SELECT owner_id FROM storage.objects WHERE bucket_id = 'mine' AND name = $1", name));
    }

    [Fact]
    public async Task OtherProject_CannotReachTheUpload()
    {
        var location = await CreateAsync("tus", "isolated/file.bin", 10);
        var other = await TestProject.CreateAsync(stack, "storage resumable other");
        using var head = await other.TusAsync(HttpMethod.Head, other.StorageUrl() + location[project.StorageUrl().Length..]);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        using var patch = await other.TusAsync(HttpMethod.Patch, other.StorageUrl() + location[project.StorageUrl().Length..], 0, new ByteArrayContent([1]));
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
    }

    private static Dictionary<string, string> Metadata(string bucket, string name, params (string Key, string Value)[] more)
    {
        var metadata = new Dictionary<string, string> { ["bucketName"] = bucket, ["objectName"] = name };
        foreach (var (key, value) in more)
        {
            metadata[key] = value;
        }

        return metadata;
    }

    private async Task<string> CreateAsync(string bucket, string name, long length, params (string Key, string Value)[] more) =>
        await CreateAsync(bucket, name, length, upsert: false, bearer: null, more);

    private async Task<string> CreateAsync(string bucket, string name, long length, bool upsert = false, string? bearer = null, params (string Key, string Value)[] more)
    {
        (string, string)[] headers = upsert ? [("x-upsert", "true")] : [];
        using var response = await project.TusCreateAsync(length, Metadata(bucket, name, more), bearer, false, headers);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Resumable").Single());
        Assert.True(response.Headers.Contains("Upload-Expires"));
        return response.Headers.Location!.ToString();
    }

    private async Task AssertOffsetAsync(string location, long offset, long length, string? bearer = null)
    {
        using var head = await project.TusAsync(HttpMethod.Head, location, bearer: bearer);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(offset.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers.GetValues("Upload-Length").Single());
    }

    private async Task PatchAllAsync(string location, byte[] data)
    {
        using var patch = await project.TusAsync(HttpMethod.Patch, location, 0, new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
    }

    private string PartsFolder(string location) =>
        Path.Combine(stack.Stack.DataDirectory, "storage", ".uploads", project.Ref, UploadUrl.Decode(location.Split('/')[^1]).Version);

    /// <summary>Sends its first half, then waits for <paramref name="release"/> before sending the rest.</summary>
    private sealed class HeldContent(byte[] data, Task release) : HttpContent
    {
        private readonly TaskCompletionSource sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstBytesSent => sent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(data.AsMemory(0, data.Length / 2));
            await stream.FlushAsync();
            sent.TrySetResult();
            await release;
            await stream.WriteAsync(data.AsMemory(data.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }

    /// <summary>Sends half its bytes, then fails: the connection drops mid-chunk.</summary>
    private sealed class BrokenContent(byte[] data) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(data.AsMemory(0, data.Length / 2));
            await stream.FlushAsync();
            throw new IOException("connection dropped mid-chunk");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }
}
