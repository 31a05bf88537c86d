using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MadBase.ServiceDefaults.Errors;

/// <summary>
/// The Gateway's and Control's own error shape, <c>{"error": "...", "code": N}</c>. Worker modules keep
/// their wire shapes (GoTrue, PostgREST, storage-api) and do not use this.
/// </summary>
public static class ErrorResponse
{
    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Serialize(status, message), context.RequestAborted);
    }

    public static IResult Result(int status, string message) =>
        Results.Text(Serialize(status, message), "application/json", statusCode: status);

    internal static string Serialize(int status, string message) =>
        JsonSerializer.Serialize(new ErrorBody(message, status), ErrorBodyContext.Default.ErrorBody);
}

internal sealed record ErrorBody(
    [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
    [property: System.Text.Json.Serialization.JsonPropertyName("code")] int Code);

[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ErrorBodyContext : System.Text.Json.Serialization.JsonSerializerContext;
