using MadBase.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace MadBase.Gateway.Limits;

/// <summary>Refuses a body declared too large before an upstream is chosen or a byte is read.</summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength is not { } declared || declared <= options.Value.MaxRequestBodyBytes)
        {
            return next(context);
        }

        // The unread body is still on its way and will not be drained: tell the client not to reuse the connection.
        context.Response.Headers.Connection = "close";
        return ErrorResponse.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "request body too large");
    }
}
