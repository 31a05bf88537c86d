using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// <c>Accept: application/geo+json</c>, independent of PostGIS being installed: this project's database gets a
/// stand-in with PostGIS's signature, <c>st_asgeojson(record, …) → text</c>, that turns a row
/// into a Feature with its <c>geom</c> column as the geometry. The tests check what MadBase does around it:
/// finding the function in the catalog, one call per row of the final rows (embeds included), the
/// FeatureCollection and the media type; PostGIS's own encoding is <see cref="RestPostgisTests"/>'s. Without the
/// function (no PostGIS) the media type is not offered: see <see cref="RestErrorTests"/>.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestGeoJsonTests(StackFixture stack) : IAsyncLifetime
{
    private const string GeoJson = "application/geo+json";
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-geojson", """
            CREATE SCHEMA gis;
            GRANT USAGE ON SCHEMA gis TO anon, authenticated, service_role;
            CREATE FUNCTION gis.st_asgeojson(r record, geom_column text DEFAULT '', maxdecimaldigits int DEFAULT 9, pretty_bool boolean DEFAULT false)
            RETURNS text LANGUAGE plpgsql STABLE AS $$
            DECLARE j jsonb := to_jsonb(r);
            BEGIN
              RETURN jsonb_build_object('type', 'Feature', 'geometry', j -> 'geom', 'properties', j - 'geom')::text;
            END $$;
            CREATE TABLE public.shops (id int PRIMARY KEY, address text, geom jsonb);
            CREATE TABLE public.beacons (id int PRIMARY KEY, shop_id int REFERENCES public.shops(id), name text);
            INSERT INTO public.shops VALUES
              (1, '1369 Cambridge St', '{"type":"Point","coordinates":[-71.10044,42.373695]}'),
              (2, '757 Massachusetts Ave', '{"type":"Point","coordinates":[-71.10543,42.366432]}');
            INSERT INTO public.beacons VALUES (1, 1, 'Beacon-1'), (2, 1, 'Beacon-2');
            CREATE FUNCTION public.get_shop(id int) RETURNS SETOF public.shops LANGUAGE sql STABLE AS $$ SELECT * FROM public.shops WHERE shops.id = get_shop.id $$;
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    private static void AssertGeoJson(ApiResponse response, HttpStatusCode status, string expected)
    {
        Assert.True(response.Status == status, response.Body);
        Assert.Equal("application/geo+json; charset=utf-8", response.Header("Content-Type"));
        RestCalls.AssertJson(RestCalls.Json(expected), response.Json);
    }

    [Fact]
    public async Task Get_GeoJson_ReturnsAFeatureCollectionOfTheRows()
    {
        var response = await project.GetAsync("/rest/v1/shops?order=id&id=lt.3", ("Accept", GeoJson));
        AssertGeoJson(response, HttpStatusCode.OK, """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10044,42.373695]},"properties":{"id":1,"address":"1369 Cambridge St"}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10543,42.366432]},"properties":{"id":2,"address":"757 Massachusetts Ave"}}]}
            """);
    }

    [Fact]
    public async Task Get_GeoJsonSelect_ShapesTheFeatures()
    {
        var response = await project.GetAsync("/rest/v1/shops?select=id,geom&id=eq.2", ("Accept", GeoJson));
        AssertGeoJson(response, HttpStatusCode.OK, """
            {"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10543,42.366432]},"properties":{"id":2}}]}
            """);
    }

    [Fact]
    public async Task Get_GeoJsonNoRows_ReturnsNoFeatures()
    {
        var response = await project.GetAsync("/rest/v1/shops?id=gt.100", ("Accept", GeoJson));
        AssertGeoJson(response, HttpStatusCode.OK, """{"type":"FeatureCollection","features":[]}""");
    }

    [Fact]
    public async Task Get_GeoJsonWithEmbed_PutsTheEmbedInProperties()
    {
        var response = await project.GetAsync("/rest/v1/shops?select=id,geom,beacons(name)&id=eq.1&beacons.order=id", ("Accept", GeoJson));
        AssertGeoJson(response, HttpStatusCode.OK, """
            {"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10044,42.373695]},
              "properties":{"id":1,"beacons":[{"name":"Beacon-1"},{"name":"Beacon-2"}]}}]}
            """);
    }

    [Fact]
    public async Task Post_GeoJsonRepresentation_ReturnsTheInsertedFeature()
    {
        var response = await project.SendAsync(
            HttpMethod.Post, "/rest/v1/shops", """{"id":3,"address":"605 W Kendall St","geom":{"type":"Point","coordinates":[-71.081924,42.36437]}}""", null,
            ("Accept", GeoJson), ("Prefer", "return=representation"));
        AssertGeoJson(response, HttpStatusCode.Created, """
            {"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-71.081924,42.36437]},"properties":{"id":3,"address":"605 W Kendall St"}}]}
            """);
    }

    [Fact]
    public async Task Rpc_GeoJson_ReturnsTheFunctionRowsAsFeatures()
    {
        var response = await project.GetAsync("/rest/v1/rpc/get_shop?id=1", ("Accept", GeoJson));
        AssertGeoJson(response, HttpStatusCode.OK, """
            {"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-71.10044,42.373695]},"properties":{"id":1,"address":"1369 Cambridge St"}}]}
            """);
    }
}
