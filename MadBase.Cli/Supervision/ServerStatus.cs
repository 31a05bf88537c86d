using System.Text.Json.Serialization;

namespace MadBase.Cli.Supervision;

/// <summary>One line of `madbase status`: a server, its pid, and how often it had to be restarted.</summary>
/// <param name="LastExit">The last unexpected exit, e.g. "exited with code 137 (SIGKILL) at 12:03:04".</param>
internal sealed record ServerStatus(string Name, int? Pid, ServerState State, int Restarts, string? LastExit);

[JsonConverter(typeof(JsonStringEnumConverter<ServerState>))]
internal enum ServerState
{
    Running,

    /// <summary>Exited on its own; being brought back.</summary>
    Restarting,

    /// <summary>Stopped on purpose; left alone until started again.</summary>
    Stopped,
}
