using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Functions;

/// <summary>
/// Edge Functions on a <see cref="TestProject"/>: a folder (file name → source) packed as the admin API takes
/// it (a gzipped tar), deployed, and invoked through the gateway as functions-js does.
/// </summary>
internal static class FunctionsCalls
{
    public static byte[] Bundle(IReadOnlyDictionary<string, string> files)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, source) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(source)) });
            }
        }

        return packed.ToArray();
    }

    public static Task<ApiResponse> DeployAsync(this TestProject project, string slug, string indexTs, bool verifyJwt = true) =>
        project.DeployAsync(slug, new Dictionary<string, string> { ["index.ts"] = indexTs }, verifyJwt);

    public static Task<ApiResponse> DeployAsync(this TestProject project, string slug, IReadOnlyDictionary<string, string> files, bool verifyJwt = true) =>
        project.DeployBundleAsync(slug, Bundle(files), verifyJwt ? string.Empty : "?verify_jwt=false");

    public static async Task<ApiResponse> DeployBundleAsync(this TestProject project, string slug, byte[] bundle, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{project.Stack.AdminUrl}/projects/{project.Ref}/functions/{slug}{query}")
        {
            Content = new ByteArrayContent(bundle),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.Stack.AdminPassword);
        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>A request to <c>/functions/v1{path}</c> with the anon apikey and, unless null, a bearer (the anon key by default, as supabase-js sends it).</summary>
    public static HttpRequestMessage FunctionRequest(this TestProject project, HttpMethod method, string path, string? bearer = "", HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, project.Stack.ApiUrl + "/functions/v1" + path) { Content = content };
        request.Headers.Add("apikey", project.AnonKey);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer.Length == 0 ? project.AnonKey : bearer);
        }

        return request;
    }

    public static async Task<ApiResponse> InvokeAsync(this TestProject project, string path, HttpMethod? method = null, string? body = null, string? bearer = "")
    {
        using var request = project.FunctionRequest(method ?? HttpMethod.Post, path, bearer, body is null ? null : new StringContent(body, Encoding.UTF8, "text/plain"));
        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }
}
