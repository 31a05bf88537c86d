using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MadBase.ServiceDefaults.Errors;
using MadBase.ServiceDefaults.Logging;
using Microsoft.Extensions.Options;

namespace MadBase.Control.Admin;

/// <summary>
/// Checks a presented admin password. Both sides are hashed first so the comparison is constant-time
/// in the content and leaks nothing about the configured password's length either.
/// </summary>
internal sealed class AdminCredentials(IOptions<AdminOptions> options)
{
    private readonly byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Password));

    public bool Matches(string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expected);

    /// <summary>The password from <c>Bearer &lt;password&gt;</c>, or from HTTP Basic with any user name.</summary>
    public static string? FromAuthorization(string? header)
    {
        if (!AuthenticationHeaderValue.TryParse(header, out var value) || value.Parameter is not { Length: > 0 } parameter)
        {
            return null;
        }

        if (value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return parameter;
        }

        if (!value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var bytes = new byte[parameter.Length];
        if (!Convert.TryFromBase64String(parameter, bytes, out var length))
        {
            return null;
        }

        var userAndPassword = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = userAndPassword.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : userAndPassword[(colon + 1)..];
    }
}

/// <summary>
/// Guards every admin route: 401 in the shared error shape unless the admin password is presented, or
/// Studio's session cookie with its CSRF token (<see cref="Studio.StudioSession"/>); a cookie without the
/// token is a 403, so a forged cross-site request is told apart from an expired session.
/// </summary>
internal sealed partial class AdminAuthentication(AdminCredentials credentials, ILogger<AdminAuthentication> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (credentials.Matches(AdminCredentials.FromAuthorization(http.Request.Headers.Authorization)))
        {
            return await next(context);
        }

        switch (await Studio.StudioSession.CheckAsync(http))
        {
            case true:
                return await next(context);
            case false:
                LogRejected(logger, http.Request.Method, http.Request.Path, http.Connection.RemoteIpAddress?.ToString());
                return ErrorResponse.Result(StatusCodes.Status403Forbidden, $"the Studio session needs its {Studio.StudioSession.CsrfHeader} header");
        }

        LogRejected(logger, http.Request.Method, http.Request.Path, http.Connection.RemoteIpAddress?.ToString());
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"madbase-admin\"";
        return ErrorResponse.Result(StatusCodes.Status401Unauthorized, "invalid admin credentials");
    }

    [LoggerMessage(EventId = EventIds.AdminCredentialsRejected, Level = LogLevel.Warning, Message = "Admin request {Method} {Path} from {RemoteIp} rejected: invalid credentials")]
    private static partial void LogRejected(ILogger logger, string method, string path, string? remoteIp);
}
