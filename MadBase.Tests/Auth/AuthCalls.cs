using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

/// <summary>/auth/v1 on a <see cref="TestProject"/>, called the way auth-js calls it, and the mails it sends.</summary>
internal static class AuthCalls
{
    /// <summary>Sends a request with the anon apikey, the 2024-01-01 API version and an optional bearer.</summary>
    public static async Task<ApiResponse> AuthAsync(
        this TestProject project, HttpMethod method, string path, object? body = null, string? bearer = null, bool versioned = true)
    {
        using var request = new HttpRequestMessage(method, project.Stack.ApiUrl + "/auth/v1" + path);
        request.Headers.Add("apikey", project.AnonKey);
        if (versioned)
        {
            request.Headers.Add("X-Supabase-Api-Version", "2024-01-01");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    public static Task<ApiResponse> AuthPostAsync(this TestProject project, string path, object? body = null, string? bearer = null) =>
        project.AuthAsync(HttpMethod.Post, path, body, bearer);

    public static Task<ApiResponse> SignUpAsync(this TestProject project, string email, string password = "secret-123", object? data = null) =>
        project.AuthPostAsync("/signup", new { email, password, data });

    public static Task<ApiResponse> SignInAsync(this TestProject project, string email, string password = "secret-123") =>
        project.AuthPostAsync("/token?grant_type=password", new { email, password });

    public static async Task<(string AccessToken, string RefreshToken, string UserId)> SessionAsync(
        this TestProject project, string email, string password = "secret-123")
    {
        var signedUp = await project.SignUpAsync(email, password);
        signedUp.AssertStatus(200);
        var json = signedUp.Element;
        return (json.GetProperty("access_token").GetString()!,
            json.GetProperty("refresh_token").GetString()!,
            json.GetProperty("user").GetProperty("id").GetString()!);
    }

    /// <summary>Mails captured for <paramref name="to"/>, newest first, through Control's mail catcher.</summary>
    public static async Task<JsonElement[]> MailsAsync(this TestProject project, string to)
    {
        var response = await project.AdminAsync(HttpMethod.Get, "/mail?to=" + Uri.EscapeDataString(to));
        response.AssertStatus(200);
        return [.. response.Element.EnumerateArray()];
    }

    /// <summary>Opens a mailed link as a browser would (the apikey names this project); returns where its 303 points.</summary>
    public static async Task<string> FollowAsync(this TestProject project, string link)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, project.Stack.ApiUrl + new Uri(link).PathAndQuery);
        request.Headers.Add("apikey", project.AnonKey);
        using var response = await TestHttp.Client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>GoTrue's 2024-01-01 error shape, its header echo and x-sb-error-code.</summary>
    public static void AssertAuthError(this ApiResponse response, int status, string code)
    {
        response.AssertStatus(status);
        var json = response.Element;
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal(code, response.Headers["x-sb-error-code"]);
        Assert.Equal("2024-01-01", response.Headers["X-Supabase-Api-Version"]);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("message").GetString()));
    }

    public static string UniqueEmail(string tag) => $"{tag}-{Guid.NewGuid():N}@example.com";

    public static JsonElement Claims(string jwt) =>
        JsonDocument.Parse(Base64UrlDecode(jwt.Split('.')[1])).RootElement.Clone();

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Convert.FromBase64String(padded);
    }
}
