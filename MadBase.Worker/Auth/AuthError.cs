using System.Text.Json;

namespace MadBase.Worker.Auth;

/// <summary>
/// GoTrue's error shape (supabase/auth internal/api/errors.go): with <c>X-Supabase-Api-Version: 2024-01-01</c>
/// the body is <c>{"code": "&lt;error_code&gt;", "message": …}</c> and the response repeats the header;
/// without it, the legacy <c>{"code": &lt;status&gt;, "error_code": …, "msg": …}</c>. Both set
/// <c>x-sb-error-code</c>.
/// </summary>
internal sealed record AuthError(int Status, string ErrorCode, string Message)
{
    public const string ApiVersionHeader = "X-Supabase-Api-Version";
    public const string ApiVersion20240101 = "2024-01-01";

    public Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json";
        response.Headers["x-sb-error-code"] = ErrorCode;

        string body;
        if (context.Request.Headers[ApiVersionHeader].ToString() == ApiVersion20240101)
        {
            response.Headers[ApiVersionHeader] = ApiVersion20240101;
            body = JsonSerializer.Serialize(new Dictionary<string, object> { ["code"] = ErrorCode, ["message"] = Message });
        }
        else
        {
            body = JsonSerializer.Serialize(new Dictionary<string, object> { ["code"] = Status, ["error_code"] = ErrorCode, ["msg"] = Message });
        }

        return response.WriteAsync(body, context.RequestAborted);
    }
}

/// <summary>Lets handlers return an <see cref="AuthError"/> as an IResult.</summary>
internal sealed class AuthErrorResult(AuthError error) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
}
