using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace MadBase.Worker.Rest;

/// <summary>
/// PostgREST's error: <c>{code, message, details, hint}</c> with the status its docs/references/errors.rst
/// gives for each PGRST code and SQLSTATE. Thrown by the parser and planner; rendered by the handler.
/// </summary>
internal sealed class RestException(int status, string code, string message, string? details = null, string? hint = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string? Details { get; } = details;

    public string? Hint { get; } = hint;

    /// <summary>Details that PostgREST sends as JSON rather than text (PGRST201's list of candidate relationships).</summary>
    public JsonNode? DetailsJson { get; init; }

    /// <summary>
    /// The request names a table, column, relationship or function the schema cache lacks: one the DDL of
    /// a moment ago may have created.
    /// </summary>
    public bool IsSchemaMiss => Code is "PGRST200" or "PGRST202" or "PGRST204" or "PGRST205" or "42703";

    /// <summary>Extra response headers (a 416's Content-Range, or those a <c>RAISE SQLSTATE 'PGRST'</c> chooses); when set, no WWW-Authenticate.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>The status line's text, when a <c>RAISE SQLSTATE 'PGRST'</c> names one.</summary>
    public string? ReasonPhrase { get; init; }

    public static RestException Parse(string message, string? details = null) =>
        new(StatusCodes.Status400BadRequest, "PGRST100", message, details);

    public static RestException UnknownColumn(string table, string column) =>
        new(StatusCodes.Status400BadRequest, "42703", $"column {table}.{column} does not exist");

    /// <summary>PGRST205, with PostgREST 13's hint naming the closest relation of the schema when one is close enough.</summary>
    public static RestException UnknownTable(string schema, string table, IEnumerable<string> relations) =>
        new(
            StatusCodes.Status404NotFound, "PGRST205", $"Could not find the table '{schema}.{table}' in the schema cache", null,
            Planning.FuzzyNames.Closest(relations, table) is { } closest ? $"Perhaps you meant the table '{schema}.{closest}'" : null);

    public static RestException UnknownWriteColumn(string table, string column) =>
        new(StatusCodes.Status400BadRequest, "PGRST204", $"Could not find the '{column}' column of '{table}' in the schema cache");

    /// <summary>PostgREST's pgErrorStatus (Error.hs) over the SQLSTATE; <c>RAISE SQLSTATE 'PGRST'</c> takes full control.</summary>
    public static RestException FromPostgres(PostgresException error, bool anonymous)
    {
        var state = error.SqlState;
        // Npgsql hides details unless the connection string opts in; say nothing rather than its placeholder.
        var details = error.Detail is { } d && d.StartsWith("Detail redacted", StringComparison.Ordinal) ? null : error.Detail;
        if (state == "PGRST")
        {
            return RaisedError.FromPgrst(error.MessageText, details);
        }

        return new RestException(StatusOf(state, error.MessageText, anonymous), state, error.MessageText, details, error.Hint);
    }

    /// <summary>PostgREST's mapSQLtoHTTP (src/PostgREST/Error.hs), class by class.</summary>
    private static int StatusOf(string state, string message, bool anonymous)
    {
        switch (state)
        {
            case "23503" or "23505":
                return StatusCodes.Status409Conflict;
            case "25006":
                return StatusCodes.Status405MethodNotAllowed;
            case "21000":
                // pg-safeupdate's "DELETE requires a WHERE clause" is the client's fault; any other cardinality error is the server's.
                return message.EndsWith("requires a WHERE clause", StringComparison.Ordinal) ? StatusCodes.Status400BadRequest : StatusCodes.Status500InternalServerError;
            case "22023":
                return message.StartsWith("role", StringComparison.Ordinal) && message.EndsWith("does not exist", StringComparison.Ordinal)
                    ? StatusCodes.Status401Unauthorized
                    : StatusCodes.Status400BadRequest;
            case "53400" or "42P17":
                return StatusCodes.Status500InternalServerError;
            case "57P01" or "57P02" or "57P03":
                // PostgREST answers 503 for 57P01 only and 500 for the rest of class 57; a crash shutdown and a
                // server still starting up say the same as 57P01 (try again shortly), never that the statement failed.
                return StatusCodes.Status503ServiceUnavailable;
            case "P0001":
                return StatusCodes.Status400BadRequest;
            case "42883":
                return message.StartsWith("function xmlagg(", StringComparison.Ordinal) ? StatusCodes.Status406NotAcceptable : StatusCodes.Status404NotFound;
            case "42P01":
                return StatusCodes.Status404NotFound;
            case "42501":
                return anonymous ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        }

        if (state.StartsWith("PT", StringComparison.Ordinal))
        {
            return int.TryParse(state.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var custom) && custom is >= 100 and <= 599
                ? custom
                : StatusCodes.Status500InternalServerError;
        }

        return state[..2] switch
        {
            "08" or "53" => StatusCodes.Status503ServiceUnavailable,
            "0L" or "0P" or "28" => StatusCodes.Status403Forbidden,
            "09" or "25" or "2D" or "38" or "39" or "3B" or "40" or "54" or "55" or "57" or "58" or "F0" or "HV" or "P0" or "XX" =>
                StatusCodes.Status500InternalServerError,
            _ => StatusCodes.Status400BadRequest,
        };
    }

    public async Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json; charset=utf-8";
        if (Status == StatusCodes.Status401Unauthorized && Headers is null)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        foreach (var (name, value) in Headers ?? [])
        {
            response.Headers[name] = value;
        }

        if (ReasonPhrase is not null && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>() is { } feature)
        {
            feature.ReasonPhrase = ReasonPhrase;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(response.Body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteString("code", Code);
        if (DetailsJson is not null)
        {
            writer.WritePropertyName("details");
            DetailsJson.WriteTo(writer);
        }
        else
        {
            writer.WriteString("details", Details);
        }

        writer.WriteString("hint", Hint);
        writer.WriteString("message", Message);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}

/// <summary>Lets a <see cref="RestException"/> be answered as an IResult.</summary>
internal sealed class RestErrorResult(RestException error) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext);
}
