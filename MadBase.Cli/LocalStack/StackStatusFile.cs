using System.Text.Json;
using MadBase.Cli.Supervision;

namespace MadBase.Cli;

/// <summary>
/// &lt;data-dir&gt;/status.json: each server's pid, state and restart count while the stack runs, for
/// `madbase status` (another process) to show. Written on every change, removed with stack.env.
/// </summary>
internal static class StackStatusFile
{
    public const string FileName = "status.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Write(string dataDirectory, IReadOnlyList<ServerStatus> servers)
    {
        PrivateFile.WriteAtomically(Path.Combine(dataDirectory, FileName), JsonSerializer.Serialize(servers, Json));
    }

    /// <summary>Null when there is none, or it cannot be read (a stack from an older madbase).</summary>
    public static IReadOnlyList<ServerStatus>? Read(string dataDirectory)
    {
        try
        {
            return JsonSerializer.Deserialize<List<ServerStatus>>(File.ReadAllText(Path.Combine(dataDirectory, FileName)), Json);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    public static void Delete(string dataDirectory)
    {
        File.Delete(Path.Combine(dataDirectory, FileName));
    }
}
