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
                _ => "coalesce(" + Strip("json_agg(\"pgrst_r\")", representation) + ", '[]')::text",
            };
        var inserted = insertedSql is null ? string.Empty : $", {insertedSql} AS \"inserted\"";
        return $"SELECT {totalSql ?? "NULL::bigint"} AS \"total\", pg_catalog.count(\"pgrst_r\") AS \"page\", {body} AS \"body\"{inserted} FROM ({rows}) AS \"pgrst_r\"";
    }

    private static string Strip(string json, Representation representation) =>
        representation.StripNulls ? $"json_strip_nulls({json})" : json;
}
