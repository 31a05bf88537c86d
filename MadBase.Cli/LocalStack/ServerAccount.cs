using System.Globalization;

namespace MadBase.Cli;

/// <summary>
/// The unprivileged user a server runs as when we are root, because Postgres refuses to run as root.
/// </summary>
internal sealed record ServerAccount(string Name, uint UserId, uint GroupId)
{
    /// <summary>Null when we are not root: then servers simply run as us.</summary>
    public static ServerAccount? ForPostgres()
    {
        if (OperatingSystem.IsWindows() || NativeMethods.GetEffectiveUserId() != 0)
        {
            return null;
        }

        return Find("postgres") ?? Find("nobody")
            ?? throw new LocalStackException(
                "Running as root, but neither a 'postgres' nor a 'nobody' user exists to run Postgres as. "
                + "Create one (apt-get install -y postgresql-15 creates 'postgres') or run madbase as a normal user.");
    }

    /// <summary>Gives a directory we created to the account, so the server can write into it.</summary>
    public void TakeOwnership(string path)
    {
        if (NativeMethods.Chown(path, UserId, GroupId) != 0)
        {
            throw new LocalStackException(
                $"Could not give {path} to user '{Name}' (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// setpriv changes user and then execs, so the process we start is the server itself and our signals reach it.
    /// </summary>
    public IEnumerable<string> CommandPrefix()
    {
        return ["setpriv", $"--reuid={UserId}", $"--regid={GroupId}", "--init-groups", "--"];
    }

    private static ServerAccount? Find(string name)
    {
        // System accounts are local; a tiny /etc/passwd reader avoids marshalling getpwnam's struct.
        if (!File.Exists("/etc/passwd"))
        {
            return null;
        }

        foreach (string line in File.ReadLines("/etc/passwd"))
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name
                && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
                && uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
            {
                return new ServerAccount(name, uid, gid);
            }
        }

        return null;
    }
}
