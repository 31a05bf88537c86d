namespace MadBase.Cli.Commands;

/// <summary><c>madbase functions|secrets &lt;verb&gt; [names…] [options]</c>: the commands that talk to a running stack's admin API.</summary>
internal sealed record AdminArguments(
    string Verb, IReadOnlyList<string> Names, string DataDirectory, string? Project, string FunctionsDirectory, bool NoVerifyJwt)
{
    public static AdminArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new CliUsageException("a command needs a verb (deploy, list, delete, set, unset).");
        }

        var names = new List<string>();
        var dataDirectory = ".madbase";
        string? project = null;
        var functionsDirectory = Path.Combine("supabase", "functions");
        var noVerifyJwt = false;
        for (var i = 1; i < args.Count; i++)
        {
            string Value() => ++i < args.Count ? args[i] : throw new CliUsageException($"{args[i - 1]} needs a value.");
            switch (args[i])
            {
                case "--data-dir":
                    dataDirectory = Value();
                    break;
                case "--project" or "--project-ref":
                    project = Value();
                    break;
                case "--functions-dir":
                    functionsDirectory = Value();
                    break;
                case "--no-verify-jwt":
                    noVerifyJwt = true;
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    throw new CliUsageException($"Unknown option {option}.");
                case var name:
                    names.Add(name);
                    break;
            }
        }

        return new AdminArguments(args[0], names, dataDirectory, project, functionsDirectory, noVerifyJwt);
    }
}
