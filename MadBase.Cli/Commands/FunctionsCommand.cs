using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using MadBase.Cli.Admin;

namespace MadBase.Cli.Commands;

/// <summary>
/// <c>madbase functions deploy|list|delete|logs</c>, as Supabase's CLI: a function is the folder
/// <c>supabase/functions/&lt;name&gt;</c>, uploaded as a gzipped tar to the admin API.
/// </summary>
internal static class FunctionsCommand
{
    public static async Task<int> RunAsync(AdminArguments arguments)
    {
        using var admin = AdminClient.Create(arguments.DataDirectory, arguments.Project);
        switch (arguments.Verb, arguments.Names)
        {
            case ("deploy", [var name]):
                return await DeployAsync(admin, name, arguments);
            case ("list", []):
                if (await admin.SendAsync(HttpMethod.Get, "/functions") is not { } list)
                {
                    return 1;
                }

                foreach (var function in list.EnumerateArray())
                {
                    Console.WriteLine($"{function.GetProperty("slug").GetString(),-32} v{function.GetProperty("version").GetInt32(),-5} verify_jwt={function.GetProperty("verify_jwt").GetBoolean()}");
                }

                return 0;
            case ("delete", [var name]):
                if (await admin.SendAsync(HttpMethod.Delete, "/functions/" + Uri.EscapeDataString(name)) is null)
                {
                    return 1;
                }

                Console.WriteLine($"Deleted function {name} of project {admin.ProjectRef}.");
                return 0;
            case ("logs", [var name]):
                if (await admin.SendAsync(HttpMethod.Get, "/functions/" + Uri.EscapeDataString(name) + "/logs?limit=1000") is not { } lines)
                {
                    return 1;
                }

                foreach (var line in lines.EnumerateArray())
                {
                    Console.WriteLine($"{line.GetProperty("timestamp").GetDateTimeOffset():O} v{line.GetProperty("version").GetInt32()} {line.GetProperty("stream").GetString()}: {line.GetProperty("message").GetString()}");
                }

                return 0;
            default:
                throw new CliUsageException("usage: madbase functions deploy <name> | list | delete <name> | logs <name>.");
        }
    }

    private static async Task<int> DeployAsync(AdminClient admin, string name, AdminArguments arguments)
    {
        var folder = Path.GetFullPath(Path.Combine(arguments.FunctionsDirectory, name));
        if (!Directory.Exists(folder))
        {
            throw new CliUsageException($"no folder {folder}: a function lives in <functions-dir>/<name> (--functions-dir, default supabase/functions).");
        }

        using var bundle = new MemoryStream();
        await using (var gzip = new GZipStream(bundle, CompressionLevel.Optimal, leaveOpen: true))
        {
            await TarFile.CreateFromDirectoryAsync(folder, gzip, includeBaseDirectory: false);
        }

        using var content = new ByteArrayContent(bundle.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        var query = arguments.NoVerifyJwt ? "?verify_jwt=false" : string.Empty;
        if (await admin.SendAsync(HttpMethod.Put, $"/functions/{Uri.EscapeDataString(name)}{query}", content) is not { } deployed)
        {
            return 1;
        }

        Console.WriteLine($"Deployed function {name} (version {deployed.GetProperty("version").GetInt32()}) to project {admin.ProjectRef}.");
        return 0;
    }
}
