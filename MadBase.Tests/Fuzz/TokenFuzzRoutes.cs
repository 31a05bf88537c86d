namespace MadBase.Tests.Fuzz;

/// <summary>Tokens of every shape (<see cref="FuzzTokens"/>) where clients put them: bearer, apikey header or query, signed-URL token.</summary>
internal static class TokenFuzzRoutes
{
    private static readonly string[] Paths =
    [
        "/auth/v1/user", "/auth/v1/admin/users", "/auth/v1/logout", "/rest/v1/books?select=id", "/rest/v1/rpc/add?a=1&b=2", "/rest/v1/",
        "/storage/v1/bucket", "/storage/v1/object/authenticated/fz/a.txt", "/storage/v1/object/list/fz", "/realtime/v1/api/broadcast",
        "/functions/v1/hello",
    ];

    public static FuzzRequest Next(Random random, FuzzProject project)
    {
        var token = project.Tokens.Next(random);
        var path = FuzzText.Pick(random, Paths);
        var method = path.Contains("list", StringComparison.Ordinal) || path.Contains("logout", StringComparison.Ordinal) ? "POST" : "GET";
        var headers = new List<KeyValuePair<string, string>>();
        switch (random.Next(6))
        {
            case 0:
                headers.Add(new("apikey", token));
                break;
            case 1:
                path = FuzzText.WithQuery(path, "?apikey=" + Uri.EscapeDataString(token));
                break;
            case 2:
                headers.Add(new("apikey", project.AnonKey));
                headers.Add(new("Authorization", FuzzText.Pick(random, ["Basic ", "bearer ", "Bearer  ", "", "Token ", "Bearer\t"]) + token));
                break;
            case 3:
                method = "GET";
                path = $"/storage/v1/object/sign/fz/a.txt?token={Uri.EscapeDataString(token)}";
                break;
            default:
                headers.AddRange(project.Headers(token));
                break;
        }

        return new FuzzRequest(method, path, headers, method == "POST" ? "{}"u8.ToArray() : null);
    }
}
