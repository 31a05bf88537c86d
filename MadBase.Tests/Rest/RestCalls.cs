using System.Net;
using System.Text.Json.Nodes;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>/rest/v1 on a <see cref="TestProject"/>: the schema cache after DDL, and JSON compared as documents.</summary>
internal static class RestCalls
{
    /// <summary>
    /// DDL reloads each worker's cache in the background; wait until several requests in a row (on the project's
    /// worker, or another when the gateway spills over) are served <paramref name="table"/>, or a table created for the purpose.
    /// </summary>
    public static async Task WaitForSchemaAsync(this TestProject project, string? table = null)
    {
        var probe = table ?? "pgrst_ready";
        if (table is null)
        {
            await project.ExecuteAsync("CREATE TABLE IF NOT EXISTS public.pgrst_ready (id int)");
        }

        var inARow = 0;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var result = await project.GetAsync($"/rest/v1/{probe}?limit=0");
            inARow = result.Status == HttpStatusCode.OK ? inARow + 1 : 0;
            if (inARow == 4)
            {
                return;
            }

            if (inARow == 0)
            {
                await Task.Delay(100);
            }
        }

        Assert.Fail($"the schema cache never saw {probe}");
    }

    public static void AssertJson(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\n  actual {actual?.ToJsonString()}");

    public static JsonNode Json(string text) => JsonNode.Parse(text)!;
}
