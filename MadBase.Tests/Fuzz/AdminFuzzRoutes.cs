using System.Text;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// /admin/v1/projects through the gateway to Control. Only junk refs are ever deleted or rotated, and create
/// bodies are always invalid, so the fuzz neither drops a project other tests use nor creates databases.
/// </summary>
internal static class AdminFuzzRoutes
{
    private static readonly string[] UpdateFields = ["name", "settings"];

    public static FuzzRequest Next(Random random, FuzzProject project)
    {
        var junkRef = FuzzText.UrlJunk(random);
        var (method, path, body) = random.Next(9) switch
        {
            0 => ("GET", "/projects" + FuzzText.Query(random, ["limit", "offset"]), null),
            1 => ("GET", "/projects/" + FuzzText.Pick(random, [project.Ref, junkRef]), null),
            2 or 3 => ("POST", "/projects", InvalidCreate(random)),
            4 or 5 => ("PATCH", "/projects/" + FuzzText.Pick(random, [project.Ref, junkRef]), InvalidUpdate(random)),
            6 => ("DELETE", "/projects/" + junkRef + FuzzText.Query(random, ["confirm"]), null),
            7 => ("POST", $"/projects/{junkRef}/jwt_signing/rotate", null),
            _ => ("GET", $"/projects/{FuzzText.Pick(random, [project.Ref, junkRef])}/mail" + FuzzText.Query(random, ["to"]), null),
        };

        var headers = new List<KeyValuePair<string, string>>
        {
            new("Authorization", random.Next(8) switch
            {
                0 => "Bearer " + FuzzBodies.HeaderSafe(FuzzText.Junk(random)),
                1 => "Basic " + FuzzText.Pick(random, ["!!!", "Og==", Convert.ToBase64String(Encoding.UTF8.GetBytes("x:" + project.AdminPassword))]),
                _ => "Bearer " + project.AdminPassword,
            }),
        };
        if (random.Next(5) == 0)
        {
            headers.AddRange(FuzzBodies.Headers(random));
        }

        if (body is not null)
        {
            headers.Add(new("Content-Type", "application/json"));
        }

        return new FuzzRequest(method, "/admin/v1" + path, headers, body);
    }

    /// <summary>A create body Control must refuse: the name is never a usable one.</summary>
    private static byte[] InvalidCreate(Random random)
    {
        var name = FuzzText.Pick(random, ["1", "[]", "{}", "null", "\"\"", "\"   \"", "\"a\\u0000b\"", "\"a\\ud800b\"", "\"" + new string('n', 300) + "\""]);
        var rest = random.Next(3) == 0 ? "," + FuzzJson.Object(random, ["ref", "jwt_secret", "settings"], 1)[1..^1] : string.Empty;
        return random.Next(6) == 0 ? FuzzJson.Broken(random) : Encoding.UTF8.GetBytes("{\"name\":" + name + (rest == "," ? string.Empty : rest) + "}");
    }

    /// <summary>An update body; on the fuzz project's own ref a valid one could change its settings, so values are always of the wrong kind.</summary>
    private static byte[] InvalidUpdate(Random random) => random.Next(4) switch
    {
        0 => FuzzJson.Broken(random),
        1 => Encoding.UTF8.GetBytes("{\"settings\":{\"auth\":{\"site_url\":" + FuzzText.JsonString(random) + ",\"x\\ud800\":1}}}"),
        _ => Encoding.UTF8.GetBytes("{\"name\":" + FuzzText.Pick(random, ["1", "[]", "\"a\\u0000\"", "\"\\udc00\""]) + ",\"settings\":" + FuzzJson.Value(random, 2) + "}"),
    };
}
