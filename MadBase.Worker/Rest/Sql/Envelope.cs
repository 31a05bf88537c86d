using MadBase.Worker.Rest.Parsing;

namespace MadBase.Worker.Rest.Sql;

/// <summary>
/// Wraps a statement's rows into the one result row PostgREST's queries return: the total count (when
/// asked), the page size and the response body built by Postgres.
/// </summary>
internal static class Envelope
{
    public static string Wrap(string rows, string? totalSql, Representation representation, bool withBody, string? insertedSql = null)
    {
        var body = !withBody
            ? "NULL::text"
            : representation.Media switch
            {
                MediaType.SingleObject => Strip("(json_agg(\"pgrst_r\") -> 0)", representation) + "::text",
                // As PostgREST: PostGIS turns each row into a Feature (its geometry column the geometry, the rest properties).
                MediaType.GeoJson => "json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg("
                    + representation.GeoJsonFunction + "(\"pgrst_r\")::json), '[]'))::text",
                MediaType.Csv => Csv(rows),
                _ => "coalesce(" + Strip("json_agg(\"pgrst_r\")", representation) + ", '[]')::text",
            };
        var inserted = insertedSql is null ? string.Empty : $", {insertedSql} AS \"inserted\"";
        return $"SELECT {totalSql ?? "NULL::bigint"} AS \"total\", pg_catalog.count(\"pgrst_r\") AS \"page\", {body} AS \"body\"{inserted} FROM ({rows}) AS \"pgrst_r\"";
    }

    /// <summary>
    /// PostgREST's asCsvF: a header of the first row's keys, then each row in Postgres's record text format
    /// (arrays as <c>{a,b}</c>, booleans <c>t</c>/<c>f</c>, quoted where the record format quotes, nulls empty).
    /// </summary>
    public static string Csv(string rows) =>
        "(SELECT coalesce(string_agg(\"pgrst_k\", ','), '') FROM json_object_keys((SELECT row_to_json(\"pgrst_h\") FROM ("
        + rows + ") AS \"pgrst_h\" LIMIT 1)) AS \"pgrst_k\") || E'\\n' || "
        + "coalesce(string_agg(substring(\"pgrst_r\"::text, 2, length(\"pgrst_r\"::text) - 2), E'\\n'), '')";

    private static string Strip(string json, Representation representation) =>
        representation.StripNulls ? $"json_strip_nulls({json})" : json;
}
