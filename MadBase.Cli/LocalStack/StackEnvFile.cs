namespace MadBase.Cli;

/// <summary>
/// &lt;data-dir&gt;/stack.env: present exactly while a stack is up and healthy, so scripts can wait for it
/// and source it.
/// </summary>
internal static class StackEnvFile
{
    public const string FileName = "stack.env";

    public static string PathIn(string dataDirectory)
    {
        return Path.Combine(dataDirectory, FileName);
    }

    public static void Write(string dataDirectory, StackSummary summary)
    {
        string[] lines =
        [
            $"API_URL={summary.ApiUrl}",
            $"ANON_KEY={summary.AnonKey}",
            $"SERVICE_ROLE_KEY={summary.ServiceRoleKey}",
            $"PUBLISHABLE_KEY={summary.PublishableKey}",
            $"SECRET_KEY={summary.SecretKey}",
            $"DB_URL={summary.DbUrl}",
            $"ADMIN_URL={summary.AdminUrl}",
            $"ADMIN_PASSWORD={summary.AdminPassword}",
        ];
        PrivateFile.WriteAtomically(PathIn(dataDirectory), string.Join('\n', lines) + "\n");
    }

    public static IReadOnlyDictionary<string, string>? Read(string dataDirectory)
    {
        string path = PathIn(dataDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }

        return values;
    }

    public static void Delete(string dataDirectory)
    {
        File.Delete(PathIn(dataDirectory));
    }
}
