namespace MadBase.Cli;

/// <summary>Files holding secrets: readable by their owner only, and never seen half-written.</summary>
internal static class PrivateFile
{
    public static void WriteAtomically(string path, string contents)
    {
        string temporary = path + ".tmp";
        // A leftover from an interrupted write would keep its old mode: create afresh.
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, options))
        {
            writer.Write(contents);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
