using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// RPC and representations as PostgREST answers them, on a project exposing two schemas: profiles echoed,
/// VARIADIC and OUT functions, scalar Content-Range, custom raised errors, CSV in record format, OPTIONS.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestRpcCompatTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-rpc-compat", RestFixtureSql.Library + """

            CREATE SCHEMA api2;
            GRANT USAGE ON SCHEMA api2 TO anon, authenticated, service_role;
            CREATE TABLE api2.things (id int PRIMARY KEY, label text);
            GRANT ALL ON api2.things TO anon, authenticated, service_role;
            INSERT INTO api2.things VALUES (1, 'one');
            CREATE FUNCTION api2.hello(name text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi ' || name $$;
            CREATE FUNCTION public.total(VARIADIC v int[]) RETURNS int LANGUAGE sql AS $$ SELECT sum(x)::int FROM unnest(v) x $$;
            CREATE FUNCTION public.split(a int, OUT doubled int, OUT tripled int) LANGUAGE sql AS $$ SELECT a * 2, a * 3 $$;
            CREATE FUNCTION public.numbers() RETURNS SETOF int LANGUAGE sql STABLE AS $$ SELECT generate_series(1, 3) $$;
            CREATE FUNCTION public.touch() RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT 1 $$;
            CREATE FUNCTION public.teapot() RETURNS int LANGUAGE plpgsql AS $$ BEGIN
              RAISE SQLSTATE 'PGRST' USING message = '{"code":"123","message":"m","details":"d","hint":"h"}',
                detail = '{"status":418,"headers":{"X-Powered-By":"Nerd"}}'; END $$;
            CREATE FUNCTION public.deadlock() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE SQLSTATE '40P01' USING message = 'deadlock'; END $$;
            CREATE TABLE public.flags (id int PRIMARY KEY, name text, ok boolean, tags text[]);
            INSERT INTO public.flags VALUES (1, 'a "b"', true, '{x,"y z"}'), (2, '', false, NULL), (3, NULL, NULL, '{}');
            """, new { rest = new { schemas = new[] { "public", "api2" } } });

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Profiles_AreEchoedWithTheBody()
    {
        var read = await project.GetAsync("/rest/v1/things?select=label", ("Accept-Profile", "api2"));
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal("api2", read.Header("Content-Profile"));
        RestCalls.AssertJson(RestCalls.Json("""[{"label":"one"}]"""), read.Json);

        var call = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/hello", """{"name":"x"}""", null, ("Content-Profile", "api2"));
        Assert.Equal("\"hi x\"", call.Body);
        Assert.Equal("api2", call.Header("Content-Profile"));

        var fallback = await project.GetAsync("/rest/v1/flags?select=id&id=eq.1");
        Assert.Equal("public", fallback.Header("Content-Profile"));
    }

    [Theory]
    [InlineData("POST", "/rest/v1/rpc/total", """{"v":[1,2,3]}""", "6")]
    [InlineData("GET", "/rest/v1/rpc/total?v=4&v=5", null, "9")]
    [InlineData("GET", "/rest/v1/rpc/total?v=7", null, "7")]
    public async Task Variadic_TakesAnArrayOrRepeatedParameters(string method, string path, string? body, string expected)
    {
        var response = await project.SendAsync(new HttpMethod(method), path, body);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(expected, response.Body);
    }

    [Fact]
    public async Task OutParameters_ReturnAnObject()
    {
        var response = await project.GetAsync("/rest/v1/rpc/split?a=2");
        RestCalls.AssertJson(RestCalls.Json("""{"doubled":4,"tripled":6}"""), response.Json);
    }

    [Fact]
    public async Task ScalarCalls_HaveAContentRange()
    {
        var scalar = await project.GetAsync("/rest/v1/rpc/add?a=1&b=2", ("Prefer", "count=exact"));
        Assert.Equal(("0-0/1", "count=exact"), (scalar.Header("Content-Range"), scalar.Header("Preference-Applied")));
        var set = await project.GetAsync("/rest/v1/rpc/numbers");
        Assert.Equal("0-2/*", set.Header("Content-Range"));
        var single = await project.GetAsync("/rest/v1/rpc/numbers", ("Accept", "application/vnd.pgrst.object+json"));
        Assert.Equal(HttpStatusCode.NotAcceptable, single.Status);
        Assert.Equal("The result contains 3 rows", single.Json!["details"]!.GetValue<string>());
    }

    [Fact]
    public async Task RpcGet_ParameterWithoutOperatorIsAnArgument()
    {
        var response = await project.GetAsync("/rest/v1/rpc/add?a=1&c=2");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("Could not find the function public.add(a, c) in the schema cache", response.Json!["message"]!.GetValue<string>());
        Assert.Equal(
            "Searched for the function public.add with parameters a, c, but no matches were found in the schema cache.",
            response.Json["details"]!.GetValue<string>());
        Assert.Equal("Perhaps you meant to call the function public.add(a, b)", response.Json["hint"]!.GetValue<string>());
    }

    [Fact]
    public async Task RaisePgrst_ChoosesStatusHeadersAndBody()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/teapot", "{}");
        Assert.Equal((HttpStatusCode)418, response.Status);
        Assert.Equal("Nerd", response.Header("X-Powered-By"));
        RestCalls.AssertJson(RestCalls.Json("""{"code":"123","message":"m","details":"d","hint":"h"}"""), response.Json);

        var deadlock = await project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/deadlock", "{}");
        Assert.Equal(HttpStatusCode.InternalServerError, deadlock.Status);
        Assert.Equal("40P01", deadlock.ErrorCode);
    }

    [Fact]
    public async Task Csv_IsPostgresRecordText()
    {
        var response = await project.GetAsync("/rest/v1/flags?order=id", ("Accept", "text/csv"));
        Assert.Equal("text/csv; charset=utf-8", response.Header("Content-Type"));
        Assert.Equal("id,name,ok,tags\n1,\"a \"\"b\"\"\",t,\"{x,\"\"y z\"\"}\"\n2,\"\",f,\n3,,,{}", response.Body);
    }

    [Fact]
    public async Task Options_NameTheAllowedMethods()
    {
        var table = await project.SendAsync(HttpMethod.Options, "/rest/v1/flags");
        Assert.Equal(HttpStatusCode.OK, table.Status);
        Assert.Equal("OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE", Allow(table));
        var volatileCall = await project.SendAsync(HttpMethod.Options, "/rest/v1/rpc/touch");
        Assert.Equal("OPTIONS,POST", Allow(volatileCall));
        var stableCall = await project.SendAsync(HttpMethod.Options, "/rest/v1/rpc/numbers");
        Assert.Equal("OPTIONS,GET,HEAD,POST", Allow(stableCall));
        var missing = await project.SendAsync(HttpMethod.Options, "/rest/v1/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }

    // HttpClient splits Allow into a list of methods.
    private static string Allow(ApiResponse result) => result.Headers.GetValueOrDefault("Allow", "");
}
