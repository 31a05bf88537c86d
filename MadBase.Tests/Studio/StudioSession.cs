using System.Text;
using System.Text.Json;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Studio;

/// <summary>
/// A signed-in Studio session on a running stack, as the browser holds it: the cookie the sign-in set and the
/// CSRF token it answered with. <see cref="TestHttp.Client"/> keeps no cookies, so the header is sent by hand.
/// </summary>
internal sealed record StudioSession(RunningStack Stack, string Cookie, string CsrfToken)
{
    public static async Task<ApiResponse> SignInAsync(RunningStack stack, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.ApiUrl + "/studio/api/session")
        {
            Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    public static async Task<StudioSession> StartAsync(RunningStack stack)
    {
        var response = await SignInAsync(stack, new { password = stack.AdminPassword });
        response.AssertStatus(200);
        var cookie = response.Header("Set-Cookie")!.Split(';')[0];
        return new StudioSession(stack, cookie, response.Element.GetProperty("csrf_token").GetString()!);
    }

    /// <summary>A request with the cookie and, unless told otherwise, the CSRF header.</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null, string? csrf = "")
    {
        using var request = new HttpRequestMessage(method, Stack.ApiUrl + path);
        request.Headers.Add("Cookie", Cookie);
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf.Length == 0 ? CsrfToken : csrf);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>A request with the cookie, the CSRF header and a body of any type (an upload).</summary>
    public async Task<ApiResponse> SendContentAsync(HttpMethod method, string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(method, Stack.ApiUrl + path) { Content = content };
        request.Headers.Add("Cookie", Cookie);
        request.Headers.Add("X-CSRF-Token", CsrfToken);
        using var response = await TestHttp.Client.SendAsync(request);
        return await ApiResponse.ReadAsync(response);
    }

    /// <summary>A call to <c>/studio/api/projects/{ref}{suffix}</c>.</summary>
    public Task<ApiResponse> ProjectAsync(HttpMethod method, TestProject project, string suffix, object? body = null) =>
        SendAsync(method, $"/studio/api/projects/{project.Ref}{suffix}", body);
}

internal static class StudioAssert
{
    /// <summary>The admin API's error shape with the given status; returns the message.</summary>
    public static string Error(ApiResponse response, int status)
    {
        response.AssertStatus(status);
        Assert.Equal(status, response.Element.GetProperty("code").GetInt32());
        var message = response.Element.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
        return message!;
    }
}
