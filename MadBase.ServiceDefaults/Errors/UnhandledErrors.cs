using MadBase.ServiceDefaults.Database;
using MadBase.ServiceDefaults.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MadBase.ServiceDefaults.Errors;

/// <summary>
/// Last line of defence: anything a handler did not turn into its own error becomes the shared JSON shape.
/// The body never carries exception text, because Npgsql messages can quote SQL and values.
/// </summary>
internal static partial class UnhandledErrors
{
    public static void UseUnhandledErrors(this IApplicationBuilder app) =>
        app.UseExceptionHandler(errorApp => errorApp.Run(WriteAsync));

    private static Task WriteAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MadBase.Errors");
        var (status, message) = Classify(error);
        if (status >= 500)
        {
            LogUnhandled(logger, error, context.Request.Method, context.Request.Path);
        }

        return ErrorResponse.WriteAsync(context, status, message);
    }

    internal static (int Status, string Message) Classify(Exception? error) => error switch
    {
        BadHttpRequestException bad => (bad.StatusCode, "bad request"),
        OperationCanceledException => (499, "request cancelled"),
        NpgsqlException { IsTransient: true } or TimeoutException => (503, "database unavailable"),

        // Text with NUL (or that otherwise has no UTF-8 form) can only have come with the request; services
        // check their input for it, and this keeps a path they missed the client's 400, not a 500.
        PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } =>
            (400, PostgresText.Refusal),
        PostgresException => (500, "database error"),
        _ => (500, "internal server error"),
    };

    [LoggerMessage(EventId = EventIds.UnhandledError, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception? error, string method, string path);
}
