using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest;

/// <summary>
/// OPTIONS on /rest/v1 resources, as PostgREST's info plans (Response.hs respondInfo): 200, an empty body, the
/// methods the resource takes in <c>Allow</c> and <c>Access-Control-Allow-Origin: *</c>.
/// </summary>
internal static class InfoEndpoint
{
    public static Task SchemaAsync(RestContext rest) => RespondAsync(rest, "OPTIONS,GET,HEAD");

    public static Task TableAsync(RestContext rest, string name)
    {
        var table = rest.Table(name);
        var writable = table.Insertable;
        var allow = "OPTIONS,GET,HEAD"
            + (writable ? ",POST" : string.Empty)
            + (writable && table.PrimaryKey.Count > 0 ? ",PUT" : string.Empty)
            + (writable ? ",PATCH,DELETE" : string.Empty);
        return RespondAsync(rest, allow);
    }

    /// <summary>A volatile function cannot be called in GET's read-only transaction: only POST is offered.</summary>
    public static Task FunctionAsync(RestContext rest, string name)
    {
        var overloads = rest.Schema.FunctionsNamed(rest.SchemaName, name).ToList();
        if (overloads.Count == 0)
        {
            throw new RestException(
                StatusCodes.Status404NotFound, "PGRST202",
                $"Could not find the function {rest.SchemaName}.{name} without parameters in the schema cache",
                $"Searched for the function {rest.SchemaName}.{name} without parameters, but no matches were found in the schema cache.");
        }

        var function = overloads.FirstOrDefault(f => f.Args.All(a => a.HasDefault)) ?? overloads[0];
        return RespondAsync(rest, function.Volatility == 'v' ? "OPTIONS,POST" : "OPTIONS,GET,HEAD,POST");
    }

    private static Task RespondAsync(RestContext rest, string allow)
    {
        var response = rest.Http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.Allow = allow;
        response.Headers.AccessControlAllowOrigin = "*";
        return Task.CompletedTask;
    }
}
