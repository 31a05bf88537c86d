using MadBase.Cli;

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// Loopback ports nobody listens on right now, never the same one twice in a test run. Drawn from below
/// Linux's ephemeral range (32768+) so an outgoing connection cannot take one before its server binds it.
/// </summary>
internal static class FreePorts
{
    private const int Lowest = 20000;
    private const int Highest = 32000;
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        return Take(1)[0];
    }

    /// <summary>Same as <see cref="Next"/>; both spellings are in use.</summary>
    public static int Take()
    {
        return Next();
    }

    public static int[] Take(int count)
    {
        var ports = new int[count];
        lock (Gate)
        {
            for (int i = 0; i < count; i++)
            {
                ports[i] = TakeOne();
            }
        }

        return ports;
    }

    private static int TakeOne()
    {
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(Lowest, Highest);
            if (!Given.Contains(port) && PortCheck.IsFree(port))
            {
                Given.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {Highest}.");
    }
}
