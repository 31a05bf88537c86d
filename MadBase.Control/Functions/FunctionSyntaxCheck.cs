using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using MadBase.Control.Admin;
using MadBase.ServiceDefaults.Functions;
using MadBase.ServiceDefaults.Logging;

namespace MadBase.Control.Functions;

/// <summary>
/// Refuses a deploy whose code does not parse, with the parser's message, before it is stored. It runs
/// <c>deno lint</c> with one rule that cannot fire on a valid module (<c>no-delete-var</c>: deleting a variable is
/// already a syntax error in a module): a parse of every file in ~0.1 s, where <c>deno check</c> (type checking,
/// and fetching every import) takes seconds. Type errors are left to the runtime, as Supabase's does.
/// Without Deno on Control's machine the check is skipped (and said so in the log); the function's boot error
/// then shows at its first request.
/// </summary>
internal sealed partial class FunctionSyntaxCheck(IConfiguration configuration, ILogger<FunctionSyntaxCheck> logger)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly string? deno = DenoLocator.Find(configuration["Functions:DenoPath"]);

    public async Task CheckAsync(byte[] bundle, CancellationToken cancellationToken)
    {
        if (deno is null)
        {
            LogSkipped(logger, DenoLocator.Hint);
            return;
        }

        var folder = Directory.CreateTempSubdirectory("mbfn-check-");
        try
        {
            await using (var gzip = new GZipStream(new MemoryStream(bundle), CompressionMode.Decompress))
            {
                await TarFile.ExtractToDirectoryAsync(gzip, folder.FullName, overwriteFiles: true, cancellationToken);
            }

            var (exitCode, output) = await LintAsync(folder.FullName, cancellationToken);
            if (exitCode != 0)
            {
                var message = output.Replace(folder.FullName + "/", string.Empty, StringComparison.Ordinal)
                    .Replace("file://", string.Empty, StringComparison.Ordinal).Trim();
                throw AdminException.BadRequest("the function does not parse:\n" + message);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output)> LintAsync(string folder, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(deno!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[] { "lint", "--no-config", "--rules-tags=", "--rules-include=no-delete-var", folder })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DENO_DIR"] = Path.Combine(folder, ".deno");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(Limit, cancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw AdminException.BadRequest("the function could not be checked in time: is it unusually large?");
        }

        return (process.ExitCode, (await stderr) + (await stdout));
    }

    [LoggerMessage(EventId = EventIds.FunctionSyntaxCheckSkipped, Level = LogLevel.Warning, Message = "Deploy without a syntax check: Deno was not found ({Hint})")]
    private static partial void LogSkipped(ILogger logger, string hint);
}
