using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>
/// /storage/v1 on a <see cref="TestProject"/>, through the gateway as service_role (the default bearer), anon,
/// or a user (<see cref="TestProject.UserToken"/>). Responses stay <see cref="HttpResponseMessage"/>s: object
/// bodies are read as streams, ranges and headers as the storage clients see them.
/// </summary>
internal static class StorageCalls
{
    public static string StorageUrl(this TestProject project) => project.Stack.ApiUrl + "/storage/v1";

    public static HttpRequestMessage StorageRequest(this TestProject project, HttpMethod method, string path, string? bearer = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, project.StorageUrl() + path) { Content = content };
        request.Headers.Add("apikey", project.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? project.ServiceRoleKey);
        return request;
    }

    public static async Task<HttpResponseMessage> StorageAsync(this TestProject project, HttpMethod method, string path, string? bearer = null, HttpContent? content = null)
    {
        using var request = project.StorageRequest(method, path, bearer, content);
        return await TestHttp.Client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> StorageJsonAsync(this TestProject project, HttpMethod method, string path, object body, string? bearer = null) =>
        project.StorageAsync(method, path, bearer, JsonContent.Create(body));

    /// <summary>A GET without any key, as a browser opens a public or signed URL; the host names the project.</summary>
    public static async Task<HttpResponseMessage> KeylessGetAsync(this TestProject project, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, project.StorageUrl() + path);
        request.Headers.Host = $"{project.Ref}.localhost:{new Uri(project.Stack.ApiUrl).Port}";
        return await TestHttp.Client.SendAsync(request);
    }

    public static async Task CreateBucketAsync(this TestProject project, string id, bool isPublic = false, object? fileSizeLimit = null, string[]? allowedMimeTypes = null)
    {
        using var response = await project.StorageJsonAsync(HttpMethod.Post, "/bucket", new { id, name = id, @public = isPublic, file_size_limit = fileSizeLimit, allowed_mime_types = allowedMimeTypes });
        await AssertOkAsync(response);
    }

    public static async Task<HttpResponseMessage> UploadAsync(this TestProject project, string bucket, string path, string text, string? bearer = null, bool upsert = false, string contentType = "text/plain")
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = project.StorageRequest(HttpMethod.Post, $"/object/{bucket}/{path}", bearer, content);
        if (upsert)
        {
            request.Headers.Add("x-upsert", "true");
        }

        return await TestHttp.Client.SendAsync(request);
    }

    public static async Task<string> DownloadTextAsync(this TestProject project, string bucket, string path, string? bearer = null)
    {
        using var response = await project.StorageAsync(HttpMethod.Get, $"/object/authenticated/{bucket}/{path}", bearer);
        await AssertOkAsync(response);
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<long> CountObjectsAsync(this TestProject project, string bucket, string name) =>
        await project.ScalarAsync<long>("SELECT count(*) FROM storage.objects WHERE bucket_id = $1 AND name = $2", bucket, name);

    /// <summary>Where the file backend keeps this project's blobs in the stack's data directory.</summary>
    public static string BlobFolder(this TestProject project) => Path.Combine(project.Stack.DataDirectory, "storage", project.Ref);

    /// <summary>Blob files of one object (all versions) on the file backend.</summary>
    public static string[] BlobFiles(this TestProject project, string bucket, string name)
    {
        var folder = Path.Combine(project.BlobFolder(), bucket, name);
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    /// <summary>A TUS creation at /upload/resumable (or /upload/resumable/sign), metadata encoded as tus-js-client encodes it.</summary>
    public static async Task<HttpResponseMessage> TusCreateAsync(
        this TestProject project, long length, IReadOnlyDictionary<string, string> metadata, string? bearer = null, bool signed = false, params (string Name, string Value)[] headers)
    {
        using var request = project.StorageRequest(HttpMethod.Post, "/upload/resumable" + (signed ? "/sign" : string.Empty), bearer);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", string.Join(',', metadata.Select(m => m.Key + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(m.Value)))));
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await TestHttp.Client.SendAsync(request);
    }

    /// <summary>A PATCH, HEAD or DELETE on an upload's URL (the Location of its creation), with the TUS headers.</summary>
    public static async Task<HttpResponseMessage> TusAsync(
        this TestProject project, HttpMethod method, string location, long? offset = null, HttpContent? content = null, string? bearer = null, params (string Name, string Value)[] headers)
    {
        Assert.StartsWith(project.StorageUrl() + "/upload/resumable/", location, StringComparison.Ordinal);
        using var request = project.StorageRequest(method, location[project.StorageUrl().Length..], bearer, content);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (offset is { } at)
        {
            request.Headers.Add("Upload-Offset", at.ToString(CultureInfo.InvariantCulture));
            content?.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await TestHttp.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Asserts a TUS error as storage-api answers it: the real status, the message as plain text.</summary>
    public static async Task AssertTusErrorAsync(HttpResponseMessage response, int status, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"HTTP {(int)response.StatusCode}: {body}");
        Assert.Equal(message, body);
    }

    public static async Task AssertOkAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Asserts storage-api's error shape: HTTP 400 (or 5xx) with the real status in the body.</summary>
    public static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, string statusCode, string? code = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        var status = int.Parse(statusCode, CultureInfo.InvariantCulture);
        var expectedHttp = status >= 500 ? status : 400;
        Assert.True((int)response.StatusCode == expectedHttp, $"HTTP {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(statusCode, json.GetProperty("statusCode").GetString());
        if (code is not null)
        {
            Assert.Equal(code, json.GetProperty("code").GetString());
        }

        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
        return json;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        await AssertOkAsync(response);
        return await TestHttp.JsonAsync(response);
    }
}
