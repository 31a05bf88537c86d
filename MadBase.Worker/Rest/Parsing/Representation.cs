namespace MadBase.Worker.Rest.Parsing;

internal enum MediaType
{
    Json,
    SingleObject,
    Csv,
    GeoJson,
}

internal enum PlanFormat
{
    Text,
    Json,
}

/// <summary>
/// <c>Accept: application/vnd.pgrst.plan[+json|+text]; for="…"; options=analyze|verbose|…</c>: the EXPLAIN
/// of the statement that would answer the request in the <c>for</c> media type. Options keep PostgREST's
/// canonical order, which is also the order its Content-Type lists them in.
/// </summary>
internal sealed record PlanRequest(PlanFormat Format, IReadOnlyList<string> Options)
{
    public static readonly IReadOnlyList<string> KnownOptions = ["analyze", "verbose", "settings", "buffers", "wal"];
}

/// <summary>
/// The negotiated representation: <c>Accept</c> against what PostgREST offers (MediaType.hs and
/// Plan.hs negotiateContent). The first acceptable entry wins. GeoJSON is offered only when the database has
/// PostGIS's <c>ST_AsGeoJSON(record)</c> (<paramref name="GeoJsonFunction"/>, a quoted catalog name), the plan
/// only when the project enables it (PostgREST's db-plan-enabled).
/// </summary>
internal sealed record Representation(MediaType Media, bool StripNulls, PlanRequest? Plan = null, string? GeoJsonFunction = null)
{
    /// <summary>The media type as PostgREST names it (toMime), also inside a plan's <c>for</c> parameter.</summary>
    public string Mime => Media switch
    {
        MediaType.SingleObject => StripNulls ? "application/vnd.pgrst.object+json;nulls=stripped" : "application/vnd.pgrst.object+json",
        MediaType.Csv => "text/csv",
        MediaType.GeoJson => "application/geo+json",
        _ => StripNulls ? "application/vnd.pgrst.array+json;nulls=stripped" : "application/json",
    };

    /// <summary>The Content-Type of a plan response, e.g. <c>application/vnd.pgrst.plan+json; for="application/json"; options=analyze</c>.</summary>
    public string PlanMime => Plan is null
        ? Mime
        : "application/vnd.pgrst.plan+" + (Plan.Format == PlanFormat.Json ? "json" : "text") + "; for=\"" + Mime + "\""
            + (Plan.Options.Count == 0 ? string.Empty : "; options=" + string.Join("|", Plan.Options));

    public static Representation Negotiate(string? accept, bool planEnabled, string? geoJsonFunction)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return new(MediaType.Json, false);
        }

        var named = new List<string>();
        foreach (var range in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (type, parameters) = ParseRange(range);
            if (Offer(type, parameters, planEnabled, geoJsonFunction) is { } offered)
            {
                return offered;
            }

            named.Add(Describe(type, parameters, range));
        }

        throw new RestException(StatusCodes.Status406NotAcceptable, "PGRST107", "None of these media types are available: " + string.Join(", ", named));
    }

    private static Representation? Offer(string type, IReadOnlyDictionary<string, string> parameters, bool planEnabled, string? geoJsonFunction)
    {
        var stripNulls = parameters.TryGetValue("nulls", out var nulls) && nulls == "stripped";
        switch (type)
        {
            case "application/json" or "*/*" or "application/*" or "application/openapi+json" or "application/vnd.pgrst.array+json" or "application/vnd.pgrst.array":
                return new(MediaType.Json, stripNulls);
            case "application/vnd.pgrst.object+json" or "application/vnd.pgrst.object":
                return new(MediaType.SingleObject, stripNulls);
            case "text/csv":
                return new(MediaType.Csv, false);
            case "application/geo+json":
                return geoJsonFunction is null ? null : new(MediaType.GeoJson, false, null, geoJsonFunction);
            case "application/vnd.pgrst.plan" or "application/vnd.pgrst.plan+text" or "application/vnd.pgrst.plan+json":
                if (!planEnabled)
                {
                    return null;
                }

                // The plan is of the statement that would produce the "for" media type; a plan of a plan is not offered.
                var (forType, forParameters) = ParseRange(parameters.GetValueOrDefault("for", "application/json"));
                var inner = forType.StartsWith("application/vnd.pgrst.plan", StringComparison.Ordinal)
                    ? null
                    : Offer(forType, forParameters, false, geoJsonFunction);
                if (inner is null)
                {
                    return null;
                }

                var requested = parameters.GetValueOrDefault("options", string.Empty).Split('|');
                var options = PlanRequest.KnownOptions.Where(requested.Contains).ToList();
                var format = type.EndsWith("+json", StringComparison.Ordinal) ? PlanFormat.Json : PlanFormat.Text;
                return inner with { Plan = new PlanRequest(format, options) };
            default:
                return null;
        }
    }

    /// <summary>How PostgREST's 406 message names an entry: its canonical form when known, else as sent.</summary>
    private static string Describe(string type, IReadOnlyDictionary<string, string> parameters, string raw)
    {
        var known = Offer(type, parameters, true, "geo");
        return known is null ? raw : known.PlanMime;
    }

    /// <summary>
    /// <c>type/subtype; key=value; key="quoted"</c>, the type and keys lowercased; a quoted value may hold
    /// <c>;</c> (<c>for="text/csv"</c>).
    /// </summary>
    private static (string Type, Dictionary<string, string> Parameters) ParseRange(string range)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var end = range.IndexOf(';');
        var type = (end < 0 ? range : range[..end]).Trim().ToLowerInvariant();
        var position = end;
        while (position >= 0 && position < range.Length)
        {
            var equals = range.IndexOf('=', position + 1);
            if (equals < 0)
            {
                break;
            }

            var key = range[(position + 1)..equals].Trim().ToLowerInvariant();
            var valueStart = equals + 1;
            while (valueStart < range.Length && range[valueStart] == ' ')
            {
                valueStart++;
            }

            string value;
            if (valueStart < range.Length && range[valueStart] == '"')
            {
                var close = range.IndexOf('"', valueStart + 1);
                close = close < 0 ? range.Length : close;
                value = range[(valueStart + 1)..close];
                position = range.IndexOf(';', Math.Min(close + 1, range.Length));
            }
            else
            {
                var next = range.IndexOf(';', valueStart);
                value = (next < 0 ? range[valueStart..] : range[valueStart..next]).Trim();
                position = next;
            }

            parameters[key] = value;
        }

        return (type, parameters);
    }
}
