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

    public static RestException FromPostgres(PostgresException error, bool anonymous)
    {
        var state = error.SqlState;
        var status = state switch
        {
            "23503" or "23505" => StatusCodes.Status409Conflict,
            "42501" => anonymous ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden,
            "42P01" or "42883" => StatusCodes.Status404NotFound,
            "P0001" => StatusCodes.Status400BadRequest,
            "25006" => StatusCodes.Status405MethodNotAllowed,
            "57014" => StatusCodes.Status500InternalServerError,
            "40001" => StatusCodes.Status409Conflict,
            "53400" => StatusCodes.Status500InternalServerError,
            "PT400" => 400,
            _ when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal) => StatusCodes.Status503ServiceUnavailable,
            _ when state.StartsWith("PT", StringComparison.Ordinal) && int.TryParse(state.AsSpan(2), out var custom) && custom is >= 100 and <= 599 => custom,
            _ => StatusCodes.Status400BadRequest,
        };
        // Npgsql hides details unless the connection string opts in; say nothing rather than its placeholder.
        var details = error.Detail is { } d && d.StartsWith("Detail redacted", StringComparison.Ordinal) ? null : error.Detail;
        return new RestException(status, state, error.MessageText, details, error.Hint);
    }

    public async Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json; charset=utf-8";
        if (Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
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

/// <summary>Answers the tenant resolution's failures as PostgREST does (PGRST301/302 are 401).</summary>
internal sealed class RestTenantFilter(Tenancy.TenantScope scope) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var tenant = await scope.ResolveAsync(context.HttpContext);
        var error = tenant.Failure switch
        {
            Tenancy.TenantFailure.None => null,
            Tenancy.TenantFailure.NoProject or Tenancy.TenantFailure.UnknownProject =>
                new RestException(StatusCodes.Status404NotFound, "PGRST000", tenant.FailureMessage ?? "project not found"),
            Tenancy.TenantFailure.MissingJwt => new RestException(StatusCodes.Status401Unauthorized, "PGRST302", "Anonymous access is disabled"),
            Tenancy.TenantFailure.RoleNotAllowed => new RestException(StatusCodes.Status401Unauthorized, "PGRST301", tenant.FailureMessage ?? "JWT role is not allowed"),
            _ => new RestException(StatusCodes.Status401Unauthorized, "PGRST301", tenant.FailureMessage ?? "JWT could not be decoded"),
        };
        if (error is null)
        {
            return await next(context);
        }

        await error.WriteAsync(context.HttpContext);
        return Results.Empty;
    }
}
