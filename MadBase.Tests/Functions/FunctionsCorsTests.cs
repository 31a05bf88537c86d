using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Functions;

/// <summary>
/// CORS on /functions/v1 through the gateway: a function answers its own preflights and its headers reach the
/// browser as it set them; what no function answered gets the gateway's policy.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class FunctionsCorsTests(SecondStackFixture stack)
{
    private const string Allowed = "https://app.example";

    /// <summary>Supabase's documented pattern, with an origin allow-list of one.</summary>
    private const string Guarded = """
        const cors = (origin: string | null) => origin === "https://app.example"
          ? { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type, x-custom",
              "Access-Control-Expose-Headers": "x-custom-out", "Vary": "Origin" }
          : {};
        Deno.serve((req) => {
          const headers = cors(req.headers.get("origin"));
          if (req.method === "OPTIONS") return new Response("ok", { headers: { ...headers, "x-answered-by": "function" } });
          return new Response("done", { headers: { ...headers, "x-custom-out": "1" } });
        });
        """;

    [Fact]
    public async Task Preflight_ReachesTheFunction_WithoutAJwt_AndItsAnswerIsKept()
    {
        var project = await TestProject.SharedAsync(stack, "functions-cors", "SELECT 1");
        (await project.DeployAsync("guarded", Guarded)).AssertStatus(201);

        // verify_jwt is on, yet a preflight (no apikey, no token, as browsers send it) reaches the function.
        using var allowed = await PreflightAsync(project, "/guarded", Allowed, hostOfProject: true);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(["function"], allowed.Headers.GetValues("x-answered-by"));
        Assert.Equal([Allowed], allowed.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Contains("x-custom", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);

        // The function refuses this origin: the gateway must not allow it behind its back.
        using var refused = await PreflightAsync(project, "/guarded", "https://evil.example", hostOfProject: true);
        Assert.True(refused.Headers.TryGetValues("x-answered-by", out _));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        // The call itself: the function's CORS headers as it set them, once each.
        using var call = project.FunctionRequest(HttpMethod.Post, "/guarded");
        call.Headers.Add("Origin", Allowed);
        using var answer = await TestHttp.Client.SendAsync(call);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal([Allowed], answer.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Equal(["x-custom-out"], answer.Headers.GetValues("Access-Control-Expose-Headers"));
        Assert.False(answer.Headers.Contains(MadBase.ServiceDefaults.Functions.FunctionHeaders.PlatformAnswer));
    }

    [Fact]
    public async Task WhatNoFunctionAnswered_GetsTheGatewaysCors()
    {
        var project = await TestProject.SharedAsync(stack, "functions-cors-fallback", "SELECT 1");
        (await project.DeployAsync("guarded", Guarded)).AssertStatus(201);

        // A preflight on the shared host reaches the default project, which has no such function.
        using var unanswered = await PreflightAsync(project, "/not-in-the-default-project", "https://any.example", hostOfProject: false);
        Assert.Equal(HttpStatusCode.NoContent, unanswered.StatusCode);
        Assert.True(unanswered.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Contains("x-custom", unanswered.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.False(unanswered.Headers.Contains(MadBase.ServiceDefaults.Functions.FunctionHeaders.PlatformAnswer));

        // The worker's own 401 (a bad JWT; the function never runs) can be read by the browser.
        using var call = project.FunctionRequest(HttpMethod.Post, "/guarded", bearer: "not.a.jwt");
        call.Headers.Add("Origin", "https://any.example");
        using var rejected = await TestHttp.Client.SendAsync(call);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.True(rejected.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(rejected.Headers.Contains(MadBase.ServiceDefaults.Functions.FunctionHeaders.PlatformAnswer));
    }

    private static Task<HttpResponseMessage> PreflightAsync(TestProject project, string path, string origin, bool hostOfProject)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, project.Stack.ApiUrl + "/functions/v1" + path);
        if (hostOfProject)
        {
            // <ref>.<domain>: the one way a preflight, which carries no apikey, can name its project.
            request.Headers.Host = project.Ref + ".localhost";
        }

        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, x-custom");
        return TestHttp.Client.SendAsync(request);
    }
}
