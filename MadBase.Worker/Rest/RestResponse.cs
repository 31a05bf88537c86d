using System.Globalization;
using System.Text;
using System.Text.Json;
using MadBase.Worker.Rest.Parsing;

namespace MadBase.Worker.Rest;

/// <summary>Writes a successful PostgREST response: status, Content-Range, Preference-Applied and the body in the negotiated media type.</summary>
internal static class RestResponse
{
    public static async Task WriteAsync(RestContext rest, int status, string? body, string? contentRange)
    {
        var response = rest.Http.Response;
        response.StatusCode = status;
        if (contentRange is not null)
        {
            response.Headers.ContentRange = contentRange;
        }

        if (rest.Preferences.Applied.Count > 0)
        {
            response.Headers["Preference-Applied"] = string.Join(", ", rest.Preferences.Applied);
        }

        if (rest.Project.Settings.Rest.Schemas.Count > 1)
        {
            response.Headers["Content-Profile"] = rest.SchemaName;
        }

        if (body is null || status == StatusCodes.Status204NoContent)
        {
            return;
        }

        if (rest.Representation.Media == MediaType.Csv)
        {
            response.ContentType = "text/csv; charset=utf-8";
            body = ToCsv(body);
        }
        else
        {
            response.ContentType = rest.Representation.Media switch
            {
                MediaType.SingleObject => "application/vnd.pgrst.object+json; charset=utf-8",
                MediaType.GeoJson => "application/geo+json; charset=utf-8",
                _ => "application/json; charset=utf-8",
            };
        }

        if (HttpMethods.IsHead(rest.Http.Request.Method))
        {
            return;
        }

        await response.WriteAsync(body, rest.Http.RequestAborted);
    }

    /// <summary>An EXPLAIN answer: 200, the plan media type naming what it was for (and its options).</summary>
    public static async Task WritePlanAsync(RestContext rest, string plan)
    {
        var response = rest.Http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = rest.Representation.PlanMime + "; charset=utf-8";
        if (!HttpMethods.IsHead(rest.Http.Request.Method))
        {
            await response.WriteAsync(plan, rest.Http.RequestAborted);
        }
    }

    /// <summary><c>0-9/100</c>, <c>*/0</c> for an empty page; <c>*</c> when the total was not counted.</summary>
    public static string ContentRange(long offset, long page, long? total)
    {
        var totalText = total?.ToString(CultureInfo.InvariantCulture) ?? "*";
        return page == 0
            ? "*/" + totalText
            : $"{offset.ToString(CultureInfo.InvariantCulture)}-{(offset + page - 1).ToString(CultureInfo.InvariantCulture)}/{totalText}";
    }

    /// <summary>PostgREST's CSV: a header of the first row's keys, then one line per row.</summary>
    private static string ToCsv(string json)
    {
        using var document = JsonDocument.Parse(json);
        var rows = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray().ToList() : [document.RootElement];
        var csv = new StringBuilder();
        if (rows.Count == 0 || rows[0].ValueKind != JsonValueKind.Object)
        {
            return string.Empty;
        }

        var keys = rows[0].EnumerateObject().Select(p => p.Name).ToList();
        csv.Append(string.Join(",", keys.Select(Quote)));
        foreach (var row in rows)
        {
            csv.Append('\n');
            csv.Append(string.Join(",", keys.Select(k => row.TryGetProperty(k, out var v) ? Field(v) : string.Empty)));
        }

        return csv.ToString();
    }

    private static string Field(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => string.Empty,
        JsonValueKind.String => Quote(value.GetString()!),
        JsonValueKind.Object or JsonValueKind.Array => Quote(value.GetRawText()),
        _ => value.GetRawText(),
    };

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
