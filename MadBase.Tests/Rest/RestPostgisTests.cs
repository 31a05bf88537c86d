using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// GeoJSON and geometry columns against real PostGIS 3, which CI installs (apt postgresql-15-postgis-3). On a
/// machine without it the project has no PostGIS, and the test checks the other half of the contract: the
/// media type is then refused (406), never a 500.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestPostgisTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-postgis", """
            DO $$
            BEGIN
                IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') THEN
                    CREATE EXTENSION postgis WITH SCHEMA extensions;
                    CREATE TABLE public.places (id int PRIMARY KEY, name text, geom extensions.geometry(Point, 4326));
                    INSERT INTO public.places VALUES
                      (1, 'Cambridge', extensions.ST_SetSRID(extensions.ST_MakePoint(-71.1, 42.37), 4326)),
                      (2, 'Paris', extensions.ST_SetSRID(extensions.ST_MakePoint(2.35, 48.85), 4326));
                ELSE
                    CREATE TABLE public.places (id int PRIMARY KEY, name text);
                END IF;
            END $$;
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GeoJson_WithPostgis_IsPostgisOwnEncoding_WithoutIt_Refused()
    {
        var installed = (await project.QueryJsonAsync("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).AsArray().Count == 1;
        var geo = await project.GetAsync("/rest/v1/places?order=id", ("Accept", "application/geo+json"));
        if (!installed)
        {
            Assert.Equal(HttpStatusCode.NotAcceptable, geo.Status);
            Assert.Equal("PGRST107", geo.ErrorCode);
            return;
        }

        Assert.True(geo.Status == HttpStatusCode.OK, geo.Body);
        Assert.Equal("application/geo+json; charset=utf-8", geo.Header("Content-Type"));
        RestCalls.AssertJson(RestCalls.Json("""
            {"type":"FeatureCollection","features":[
              {"type":"Feature","geometry":{"type":"Point","coordinates":[-71.1,42.37]},"properties":{"id":1,"name":"Cambridge"}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[2.35,48.85]},"properties":{"id":2,"name":"Paris"}}]}
            """), geo.Json);

        // As JSON, a geometry column is what PostGIS's json cast makes of it (PostgREST's to_json), compared
        // with Postgres building the same rows itself.
        var json = await project.GetAsync("/rest/v1/places?select=id,geom&order=id");
        Assert.Equal(HttpStatusCode.OK, json.Status);
        RestCalls.AssertJson(await project.QueryJsonAsync("SELECT id, geom FROM public.places ORDER BY id"), json.Json);
        Assert.Equal("Point", json.Json![0]!["geom"]!["type"]!.GetValue<string>());

        // A filter through a PostGIS function over RPC, as apps query by distance.
        await project.ExecuteAsync("""
            CREATE OR REPLACE FUNCTION public.places_near(lon float8, lat float8, km float8) RETURNS SETOF public.places
            LANGUAGE sql STABLE AS $$
                SELECT * FROM public.places
                WHERE extensions.ST_DWithin(geom::extensions.geography, extensions.ST_MakePoint(lon, lat)::extensions.geography, km * 1000)
            $$;
            """);
        var near = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/places_near?select=name", """{"lon":2.3,"lat":48.8,"km":20}""");
        Assert.True(near.Status == HttpStatusCode.OK, near.Body);
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"Paris"}]"""), near.Json);
    }
}
