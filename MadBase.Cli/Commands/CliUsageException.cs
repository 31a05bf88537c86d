namespace MadBase.Cli.Commands;

/// <summary>The command line itself is wrong: say why and point at --help (exit code 2).</summary>
internal sealed class CliUsageException(string message) : Exception(message);
