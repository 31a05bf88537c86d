using MadBase.Cli.Admin;

namespace MadBase.Cli.Commands;

/// <summary><c>madbase secrets set NAME=VALUE… | list | unset NAME…</c>: a project's secrets, its functions' environment.</summary>
internal static class SecretsCommand
{
    public static async Task<int> RunAsync(AdminArguments arguments)
    {
        using var admin = AdminClient.Create(arguments.DataDirectory, arguments.Project);
        switch (arguments.Verb)
        {
            case "set" when arguments.Names.Count > 0:
                var secrets = arguments.Names.Select(pair => pair.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals
                    ? new { name = pair[..equals], value = pair[(equals + 1)..] }
                    : throw new CliUsageException($"'{pair}' is not NAME=VALUE.")).ToList();
                if (await admin.SendAsync(HttpMethod.Post, "/secrets", AdminClient.Json(new { secrets })) is null)
                {
                    return 1;
                }

                Console.WriteLine($"Set {secrets.Count} secret(s) of project {admin.ProjectRef}.");
                return 0;
            case "list" when arguments.Names.Count == 0:
                if (await admin.SendAsync(HttpMethod.Get, "/secrets") is not { } list)
                {
                    return 1;
                }

                foreach (var secret in list.EnumerateArray())
                {
                    Console.WriteLine($"{secret.GetProperty("name").GetString(),-40} {secret.GetProperty("digest").GetString()}");
                }

                return 0;
            case "unset" when arguments.Names.Count > 0:
                foreach (var name in arguments.Names)
                {
                    if (await admin.SendAsync(HttpMethod.Delete, "/secrets/" + Uri.EscapeDataString(name)) is null)
                    {
                        return 1;
                    }
                }

                return 0;
            default:
                throw new CliUsageException("usage: madbase secrets set NAME=VALUE... | list | unset NAME....");
        }
    }
}
