using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// /rpc with unnamed parameters, resolved as PostgREST 13's findProc: a single unnamed json, jsonb, text, xml or
/// bytea parameter receives the body whole (by Content-Type, or by the name "" that supabase-js's
/// <c>rpc(fn, {'': value})</c> sends), functions PostgREST cannot call are absent, and no input yields invalid SQL.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestRpcUnnamedTests(StackFixture stack) : IAsyncLifetime
{
    private const string Functions = """
        CREATE FUNCTION public.u_text(text) RETURNS text LANGUAGE sql AS $$ SELECT 'text:' || $1 $$;
        CREATE FUNCTION public.u_xml(xml) RETURNS text LANGUAGE sql AS $$ SELECT 'xml:' || $1::text $$;
        CREATE FUNCTION public.u_bytea(bytea) RETURNS int LANGUAGE sql AS $$ SELECT length($1) $$;
        CREATE FUNCTION public.u_json(json) RETURNS json LANGUAGE sql AS $$ SELECT $1 $$;
        CREATE FUNCTION public.u_json(a int) RETURNS json LANGUAGE sql AS $$ SELECT json_build_object('named', a) $$;
        CREATE FUNCTION public.u_default(text DEFAULT 'none') RETURNS text LANGUAGE sql AS $$ SELECT 'got:' || $1 $$;
        CREATE FUNCTION public.u_int(int) RETURNS int LANGUAGE sql AS $$ SELECT $1 $$;
        CREATE FUNCTION public.u_two(text, text) RETURNS text LANGUAGE sql AS $$ SELECT $1 || $2 $$;
        CREATE FUNCTION public.u_mixed(a int, text) RETURNS text LANGUAGE sql AS $$ SELECT a || $2 $$;
        CREATE FUNCTION public.u_mixed_default(a int, text DEFAULT 'd') RETURNS text LANGUAGE sql AS $$ SELECT a || $2 $$;
        CREATE FUNCTION public.u_none() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
        CREATE FUNCTION public.amb(b int DEFAULT 1, a int DEFAULT 2) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
        CREATE FUNCTION public.amb(c text DEFAULT 'x') RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
        CREATE FUNCTION public.amb(a int DEFAULT 1) RETURNS int LANGUAGE sql AS $$ SELECT 3 $$;
        """;

    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-rpc-unnamed", Functions);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<ApiResponse> PostAsync(string function, string body, string contentType = "application/json") =>
        project.SendAsync(HttpMethod.Post, "/rest/v1/rpc/" + function, body, null, ("Content-Type", contentType));

    [Theory]
    [InlineData("u_text", "hello", "text/plain", "\"text:hello\"")]
    [InlineData("u_text", "hello", "text/plain; charset=utf-8", "\"text:hello\"")]
    [InlineData("u_xml", "<a>1</a>", "text/xml", "\"xml:<a>1</a>\"")]
    [InlineData("u_bytea", "\u0001\u0002\u0003", "application/octet-stream", "3")]
    [InlineData("u_default", "x", "text/plain", "\"got:x\"")]
    public async Task Post_RawBody_ReachesTheSingleUnnamedParameterOfItsType(string function, string body, string contentType, string expected)
    {
        var response = await PostAsync(function, body, contentType);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(expected, response.Body);
    }

    [Fact]
    public async Task Post_EmptyNameKey_CallsTheUnnamedTextFunctionWithTheWholeBody()
    {
        // supabase-js rpc('u_text', { '': 'value' }): the key "" names the unnamed parameter, and PostgREST passes
        // the body as sent (OnePosParam), not the value under "".
        var response = await PostAsync("u_text", """{"":"value"}""");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"text:{\\\"\\\":\\\"value\\\"}\"", response.Body);
    }

    [Theory]
    [InlineData("""{"a":5}""", """{"named":5}""")]
    [InlineData("""{"b":1}""", """{"b":1}""")]
    [InlineData("""{"":1}""", """{"":1}""")]
    public async Task Post_JsonBody_NamedOverloadFirstThenTheUnnamedJsonOne(string body, string expected)
    {
        var response = await PostAsync("u_json", body);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json(expected), response.Json);
    }

    [Fact]
    public async Task Post_MixedFunction_NamedArgumentsAndTheDefaultOfTheUnnamedOne()
    {
        var response = await PostAsync("u_mixed_default", """{"a":1}""");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("\"1d\"", response.Body);
    }

    [Theory]
    [InlineData("u_int", """{"":1}""", "application/json")]
    [InlineData("u_int", "1", "text/plain")]
    [InlineData("u_two", """{"":"x"}""", "application/json")]
    [InlineData("u_mixed", """{"a":1,"":"x"}""", "application/json")]
    [InlineData("u_mixed_default", """{"a":1,"":"x"}""", "application/json")]
    [InlineData("u_none", "x", "text/plain")]
    [InlineData("u_json", "<a/>", "text/xml")]
    public async Task Post_NoFunctionTakesTheseArguments_Returns404PGRST202(string function, string body, string contentType)
    {
        var response = await PostAsync(function, body, contentType);
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("PGRST202", response.ErrorCode);
    }

    [Theory]
    [InlineData("text/plain", "text")]
    [InlineData("text/xml", "xml")]
    [InlineData("application/octet-stream", "bytea")]
    public async Task Post_RawBodyWithoutAFunctionOfItsType_SaysWhichParameterWasSearched(string contentType, string type)
    {
        var response = await PostAsync("u_int", "1", contentType);
        Assert.Equal("Could not find the function public.u_int in the schema cache", response.Json!["message"]!.GetValue<string>());
        Assert.Equal(
            $"Searched for the function public.u_int with a single unnamed {type} parameter, but no matches were found in the schema cache.",
            response.Json["details"]!.GetValue<string>());
        Assert.Null(response.Json["hint"]?.GetValue<string>());
    }

    [Fact]
    public async Task Post_SeveralOverloadsFit_PGRST203ListsThemFewestParametersFirst()
    {
        var response = await PostAsync("amb", "{}");
        Assert.Equal(HttpStatusCode.MultipleChoices, response.Status);
        Assert.Equal("PGRST203", response.ErrorCode);
        Assert.Equal(
            "Could not choose the best candidate function between: public.amb(a => integer), public.amb(c => text), public.amb(b => integer, a => integer)",
            response.Json!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_ContentTypeACallCannotRead_Returns400PGRST102()
    {
        var response = await PostAsync("u_json", """{"type":"Point"}""", "application/geo+json");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST102", response.ErrorCode);
        Assert.Equal("Content-Type not acceptable: application/geo+json", response.Json!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_FormArguments_CallTheNamedOverload()
    {
        var response = await PostAsync("u_json", "a=7", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        RestCalls.AssertJson(RestCalls.Json("""{"named":7}"""), response.Json);
    }

    /// <summary>
    /// Every function of the fixture against argument shapes and Content-Types a client could send: the SQL built
    /// must always be valid (no 42601 syntax error, no 5xx) whatever Postgres then thinks of the values.
    /// </summary>
    [Fact]
    public async Task Post_AnyFunctionAnyArgumentShape_NeverInvalidSql()
    {
        string[] functions = ["u_text", "u_xml", "u_bytea", "u_json", "u_default", "u_int", "u_two", "u_mixed", "u_mixed_default", "u_none", "amb", "missing"];
        string[] bodies = ["{}", """{"":1}""", """{"":"x"}""", """{"a":1}""", """{"a":1,"":2}""", """{"":1,"b":2}""", "[]", """[{"a":1}]""", "\"x\"", "5", "null", "", "a=1&=2", "<x/>"];
        string[] types = ["application/json", "text/plain", "text/xml", "application/octet-stream", "application/x-www-form-urlencoded"];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var calls = functions.SelectMany(f => bodies.SelectMany(b => types.Select(t => (Function: f, Body: b, Type: t))));
        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (call, _) =>
        {
            var response = await PostAsync(call.Function, call.Body, call.Type);
            if ((int)response.Status >= 500 || Code(response) is "42601" or "42883" or "42P18")
            {
                failures.Add($"{call.Function} {call.Type} {call.Body} → {(int)response.Status} {response.Body}");
            }
        });
        foreach (var function in functions)
        {
            var read = await project.GetAsync($"/rest/v1/rpc/{function}?a=1&=2");
            if ((int)read.Status >= 500 || Code(read) is "42601")
            {
                failures.Add($"GET {function} → {(int)read.Status} {read.Body}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The error code of an error body; a successful call may answer any JSON.</summary>
    private static string? Code(ApiResponse response) =>
        response.Json is System.Text.Json.Nodes.JsonObject error ? error["code"]?.ToString() : null;
}
