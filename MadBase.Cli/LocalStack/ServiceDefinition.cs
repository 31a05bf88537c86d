namespace MadBase.Cli;

/// <summary>One service process of the stack: which build, which port, which environment.</summary>
/// <param name="Name">Its name in messages and its log file's name (control, worker-1, gateway).</param>
/// <param name="DllPath">The service build, run as `dotnet &lt;dll&gt; --urls http://127.0.0.1:&lt;port&gt;`.</param>
/// <param name="PortOption">The `madbase start` option that changes the port, named when it is taken.</param>
/// <param name="Environment">Variables to set; a null value removes an inherited one.</param>
internal sealed record ServiceDefinition(
    string Name,
    string DllPath,
    int Port,
    string PortOption,
    IReadOnlyDictionary<string, string?> Environment)
{
    public Uri Url => new($"http://127.0.0.1:{Port}/");
}
