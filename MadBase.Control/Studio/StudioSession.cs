using System.Security.Claims;
using System.Security.Cryptography;
using MadBase.Control.Admin;
using MadBase.Control.Projects;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace MadBase.Control.Studio;

/// <summary>
/// Studio's sign-in: the admin password buys an HttpOnly, SameSite=Strict cookie (ASP.NET Core's cookie
/// authentication, protected by Data Protection) that expires after <see cref="StudioOptions.SessionMinutes"/>.
/// The cookie carries a random CSRF token that every request made with it must repeat in
/// <see cref="CsrfHeader"/>: a page on another site can make a browser send the cookie (were SameSite
/// ever relaxed) but can neither read the token nor set the header without a CORS grant, which /studio never gives.
/// </summary>
internal static class StudioSession
{
    public const string Scheme = "studio";
    public const string CookieName = "madbase_studio";
    public const string CsrfHeader = "X-CSRF-Token";
    private const string CsrfClaim = "csrf";

    public static void AddStudioCookie(this IServiceCollection services) =>
        services.AddAuthentication(Scheme).AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.SlidingExpiration = false;

            // An API, not a page: no redirects to a login page.
            o.Events.OnRedirectToLogin = c => Refuse(c.Response);
            o.Events.OnRedirectToAccessDenied = c => Refuse(c.Response);
        });

    /// <summary>The sign-in, sign-out and "who am I" routes; the rest of Studio's API needs the session.</summary>
    public static RouteGroupBuilder MapStudioSession(this RouteGroupBuilder api)
    {
        api.MapPost("/session", SignIn);
        // Needs only the cookie: a reloaded page has lost its token from memory and reads it again here.
        api.MapGet("/session", Current);
        api.MapDelete("/session", (Delegate)SignOut).AddEndpointFilter<AdminAuthentication>();
        return api;
    }

    /// <summary>A valid session cookie with its CSRF token repeated in the header; null without a cookie.</summary>
    public static async Task<bool?> CheckAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
        {
            return null;
        }

        var expected = result.Principal.FindFirstValue(CsrfClaim);
        var presented = http.Request.Headers[CsrfHeader].ToString();
        return expected is not null
            && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(expected));
    }

    private static async Task<IResult> SignIn(
        HttpContext http, AdminCredentials credentials, IOptions<StudioOptions> options, IOptions<ProjectDefaultsOptions> projects,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SignInRequest>(http.Request, SignInRequest.Expected, cancellationToken);
        if (!credentials.Matches(body.Password))
        {
            throw new AdminException(StatusCodes.Status401Unauthorized, "wrong admin password");
        }

        var expires = DateTimeOffset.UtcNow.AddMinutes(options.Value.SessionMinutes);
        var csrf = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(CsrfClaim, csrf)], Scheme));
        await http.SignInAsync(Scheme, principal, new AuthenticationProperties { ExpiresUtc = expires, IsPersistent = true });
        return TypedResults.Ok(new SessionInfo(csrf, expires, projects.Value.PublicUrl, options.Value.DashboardUrl));
    }

    private static async Task<IResult> Current(HttpContext http, IOptions<StudioOptions> options, IOptions<ProjectDefaultsOptions> projects)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
        {
            throw new AdminException(StatusCodes.Status401Unauthorized, "not signed in");
        }

        return TypedResults.Ok(new SessionInfo(
            result.Principal?.FindFirstValue(CsrfClaim),
            result.Properties?.ExpiresUtc,
            projects.Value.PublicUrl,
            options.Value.DashboardUrl));
    }

    private static async Task<IResult> SignOut(HttpContext http)
    {
        await http.SignOutAsync(Scheme);
        return TypedResults.NoContent();
    }

    private static Task Refuse(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    private sealed record SignInRequest(string? Password)
    {
        public const string Expected = "an object with password (string)";
    }

    /// <summary>
    /// The CSRF token lives only in the page's memory: a reload asks for it again with the cookie.
    /// <c>public_url</c> is where clients reach the API (null: the origin Studio is served from).
    /// </summary>
    private sealed record SessionInfo(string? CsrfToken, DateTimeOffset? ExpiresAt, string? PublicUrl, string? DashboardUrl);
}
