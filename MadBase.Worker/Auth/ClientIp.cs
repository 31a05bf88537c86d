using System.Net;

namespace MadBase.Worker.Auth;

/// <summary>The client's address: the first hop of X-Forwarded-For (the Gateway sets it), else the socket's.</summary>
internal static class ClientIp
{
    public static string Of(HttpContext context)
    {
        var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
        if (forwarded.Length > 0)
        {
            var first = forwarded.Split(',')[0].Trim();
            if (IPAddress.TryParse(first, out var parsed))
            {
                return parsed.ToString();
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? string.Empty;
    }
}
