namespace MadBase.Worker.Functions.Runtime;

/// <summary>Everything one Deno instance of a function version is started with.</summary>
internal sealed record DenoLaunch(
    DeployedFunction Function,
    string CodeFolder,
    string EntryFile,
    IReadOnlyDictionary<string, string> Environment);
