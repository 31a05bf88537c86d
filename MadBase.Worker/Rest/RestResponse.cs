using System.Globalization;
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

        if (rest.Preferences.Applied(Scope(rest), ResolutionApplies(rest)) is { } applied)
        {
            response.Headers["Preference-Applied"] = applied;
        }

        if (body is null || status == StatusCodes.Status204NoContent)
        {
            return;
        }

        // As PostgREST's contentTypeHeaders: the profile is named beside the body's media type.
        if (rest.Project.Settings.Rest.Schemas.Count > 1)
        {
            response.Headers["Content-Profile"] = rest.SchemaName;
        }

        response.ContentType = rest.Representation.Mime + "; charset=utf-8";
        if (HttpMethods.IsHead(rest.Http.Request.Method))
        {
            return;
        }

        await response.WriteAsync(body, rest.Http.RequestAborted);
    }

    private static PreferenceScope Scope(RestContext rest)
    {
        var request = rest.Http.Request;
        return request.Path.StartsWithSegments("/rest/v1/rpc", StringComparison.Ordinal) ? PreferenceScope.Call
            : rest.IsRead ? PreferenceScope.Read
            : HttpMethods.IsPost(request.Method) ? PreferenceScope.Insert
            : HttpMethods.IsPatch(request.Method) ? PreferenceScope.Update
            : HttpMethods.IsPut(request.Method) ? PreferenceScope.Upsert
            : PreferenceScope.Delete;
    }

    /// <summary>PostgREST echoes resolution= only for an insert into a table with a primary key or with on_conflict.</summary>
    private static bool ResolutionApplies(RestContext rest) =>
        rest.Http.Request.Query.ContainsKey("on_conflict")
        || (rest.Http.GetRouteValue("name") is string name && rest.Schema.Table(rest.SchemaName, name) is { PrimaryKey.Count: > 0 });

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
}
