using MadBase.ServiceDefaults.Errors;

namespace MadBase.Control.Admin;

/// <summary>
/// A client error found anywhere below an admin handler (bad input, unknown project, conflict). One type,
/// rendered once by <see cref="AdminErrorFilter"/>, keeps the handlers to their happy path. The message
/// is written for the caller, so it must never carry SQL or exception text.
/// </summary>
internal sealed class AdminException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static AdminException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static AdminException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static AdminException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
}

internal sealed class AdminErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (AdminException e)
        {
            return ErrorResponse.Result(e.Status, e.Message);
        }
    }
}

internal static class JsonStatusCodes
{
    /// <summary>
    /// Routing answers unknown paths (404) and wrong methods (405) with empty bodies; give them the
    /// shared error shape too. Responses that already have a body or content type are left alone.
    /// </summary>
    public static WebApplication UseJsonStatusCodes(this WebApplication app)
    {
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var message = status switch
            {
                StatusCodes.Status404NotFound => "not found",
                StatusCodes.Status405MethodNotAllowed => "method not allowed",
                _ => ReasonPhrase(status),
            };
            return ErrorResponse.WriteAsync(context.HttpContext, status, message);
        });
        return app;
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase
            ? phrase.ToLowerInvariant()
            : "error";
}
