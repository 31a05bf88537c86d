using System.Globalization;
using System.Text.Json;
using MadBase.ServiceDefaults.Functions;

namespace MadBase.Worker.Functions;

/// <summary>
/// The answers /functions/v1 gives itself, in the shape Supabase's relay uses (<c>{"code": "...", "message": "..."}</c>),
/// never with MadBase internals. <see cref="Relay"/> errors carry <c>x-relay-error: true</c>, which functions-js
/// turns into a <c>FunctionsRelayError</c>: the platform, not the function, failed.
/// </summary>
internal static class FunctionsError
{
    public const string RelayErrorHeader = "x-relay-error";

    /// <summary>Supabase's own status for a resource limit (wall clock, memory).</summary>
    public const int WorkerLimit = 546;

    /// <summary>A CORS preflight to a function this project does not have: the gateway answers it with its own policy.</summary>
    public static Task UnansweredPreflight(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        context.Response.Headers[FunctionHeaders.PlatformAnswer] = "1";
        return Task.CompletedTask;
    }

    public static Task NotFound(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status404NotFound, "NOT_FOUND", "Requested function was not found");

    public static Task MissingJwt(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, "UNAUTHORIZED_NO_AUTH_HEADER", "Missing authorization header");

    public static Task InvalidJwt(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Invalid JWT");

    /// <summary>With <c>Retry-After</c>: the pool does not try to start the function again before then.</summary>
    public static Task BootError(HttpContext context, TimeSpan retryAfter) =>
        WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "BOOT_ERROR", "Function failed to start (please check logs)",
            relay: true, retryAfter: ((int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1))).ToString(CultureInfo.InvariantCulture));

    public static Task Unreachable(HttpContext context) =>
        Relay(context, StatusCodes.Status502BadGateway, "RELAY_ERROR", "Function could not be reached");

    public static Task Crashed(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status500InternalServerError, "WORKER_ERROR", "Function exited before it answered (please check logs)");

    public static Task TimeLimit(HttpContext context, int seconds) =>
        WriteAsync(context, WorkerLimit, "WORKER_LIMIT", $"Function exceeded its wall clock limit of {seconds} s");

    public static Task MemoryLimit(HttpContext context, int megabytes) =>
        WriteAsync(context, WorkerLimit, "WORKER_LIMIT", $"Function exceeded its memory limit of {megabytes} MB");

    private static Task Relay(HttpContext context, int status, string code, string message) =>
        WriteAsync(context, status, code, message, relay: true);

    private static Task WriteAsync(HttpContext context, int status, string code, string message, bool relay = false, string? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late for an answer: the function's response is cut, which the client sees as an error.
            context.Abort();
            return Task.CompletedTask;
        }

        response.Headers.Clear();
        response.Headers[FunctionHeaders.PlatformAnswer] = "1";
        if (relay)
        {
            response.Headers[RelayErrorHeader] = "true";
        }

        if (retryAfter is not null)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        return response.WriteAsync(JsonSerializer.Serialize(new { code, message }), context.RequestAborted);
    }
}
