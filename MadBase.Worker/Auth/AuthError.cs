using System.Text.Json;

namespace MadBase.Worker.Auth;

/// <summary>
/// GoTrue's error shape (supabase/auth internal/api/errors.go): with <c>X-Supabase-Api-Version: 2024-01-01</c>
/// the body is <c>{"code": "&lt;error_code&gt;", "message": …}</c> and the response repeats the header;
/// without it, the legacy <c>{"code": &lt;status&gt;, "error_code": …, "msg": …}</c>. Both set
/// <c>x-sb-error-code</c>. A weak password adds <c>weak_password.reasons</c>, which auth-js turns into
/// AuthWeakPasswordError.
/// </summary>
internal sealed record AuthError(int Status, string ErrorCode, string Message)
{
    public const string ApiVersionHeader = "X-Supabase-Api-Version";
    public const string ApiVersion20240101 = "2024-01-01";

    public IReadOnlyList<string>? WeakPasswordReasons { get; init; }

    public Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json";
        response.Headers["x-sb-error-code"] = ErrorCode;

        Dictionary<string, object> body;
        if (context.Request.Headers[ApiVersionHeader].ToString() == ApiVersion20240101)
        {
            response.Headers[ApiVersionHeader] = ApiVersion20240101;
            body = new Dictionary<string, object> { ["code"] = ErrorCode, ["message"] = Message };
        }
        else
        {
            body = new Dictionary<string, object> { ["code"] = Status, ["error_code"] = ErrorCode, ["msg"] = Message };
        }

        if (WeakPasswordReasons is { } reasons)
        {
            body["weak_password"] = new Dictionary<string, object> { ["reasons"] = reasons };
        }

        return response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    public IResult ToResult() => new AuthErrorResult(this);
}

/// <summary>Lets handlers return an <see cref="AuthError"/> as an IResult.</summary>
internal sealed class AuthErrorResult(AuthError error) : IResult
{
    public AuthError Error { get; } = error;

    public Task ExecuteAsync(HttpContext httpContext) => Error.WriteAsync(httpContext);
}

/// <summary>Thrown from deep inside a flow to answer with a GoTrue error; the endpoint filter renders it.</summary>
internal sealed class AuthException(AuthError error) : Exception(error.Message)
{
    public AuthError Error { get; } = error;
}
