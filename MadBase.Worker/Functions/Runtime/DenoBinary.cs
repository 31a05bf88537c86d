using MadBase.ServiceDefaults.Functions;
using Microsoft.Extensions.Options;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// The deno binary instances run on (<see cref="DenoLocator"/>), found on first use, so a worker without Deno
/// still serves everything but functions.
/// </summary>
internal sealed class DenoBinary(IOptions<FunctionsOptions> options)
{
    private readonly Lazy<string> path = new(() => DenoLocator.Find(options.Value.DenoPath)
        ?? throw new FunctionBootException("Deno was not found: " + DenoLocator.Hint, new FileNotFoundException("deno")));

    public string Path => path.Value;
}
