namespace MadBase.Worker.Functions;

/// <summary><c>Functions__*</c>: where Deno is, where the worker keeps functions' code and Deno's cache, and the limits of an instance.</summary>
internal sealed class FunctionsOptions
{
    public const string Section = "Functions";

    /// <summary>The deno binary; unset, the repository's <c>tools/deno</c> (npm's deno package) or <c>deno</c> on PATH.</summary>
    public string? DenoPath { get; set; }

    /// <summary>Extracted bundles and DENO_DIR, per worker; unset, a folder under the temporary directory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Warm instances per function version at most.</summary>
    public int MaxInstancesPerFunction { get; set; } = 4;

    /// <summary>Requests one instance serves at once before another is started (Deno serves concurrently).</summary>
    public int ConcurrencyPerInstance { get; set; } = 32;

    /// <summary>An instance with no request for this long is stopped.</summary>
    public int IdleSeconds { get; set; } = 120;

    /// <summary>The wall-clock limit of one request (Supabase's is 150 s); the instance is replaced when it is reached.</summary>
    public int TimeoutSeconds { get; set; } = 150;

    /// <summary>V8's old-space limit per instance, in MB.</summary>
    public int MemoryMb { get; set; } = 256;

    /// <summary>
    /// <c>host:port</c>s no function may connect to although it has the network: the platform's own services
    /// that trust the network rather than a credential. Redis (<c>ConnectionStrings__redis</c>) is always added.
    /// </summary>
    public List<string> DenyNet { get; set; } = [];

    /// <summary>How long an instance may take from start to listening.</summary>
    public int BootSeconds { get; set; } = 20;

    public IEnumerable<string> Validate()
    {
        if (MaxInstancesPerFunction is < 1 or > 100)
        {
            yield return "Functions__MaxInstancesPerFunction must be between 1 and 100";
        }

        if (ConcurrencyPerInstance is < 1 or > 10_000)
        {
            yield return "Functions__ConcurrencyPerInstance must be between 1 and 10000";
        }

        if (IdleSeconds < 1 || TimeoutSeconds < 1 || BootSeconds < 1)
        {
            yield return "Functions__IdleSeconds, Functions__TimeoutSeconds and Functions__BootSeconds must be at least 1";
        }

        if (MemoryMb is < 16 or > 16_384)
        {
            yield return "Functions__MemoryMb must be between 16 and 16384";
        }

        if (DenoPath is { Length: > 0 } path && !File.Exists(path))
        {
            yield return $"Functions__DenoPath names no file: {path}";
        }
    }
}
