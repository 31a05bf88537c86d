namespace MadBase.Tests.Infrastructure;

/// <summary>Waits for what a service does in the background (a pool closed, a listener started) to show.</summary>
internal static class Eventually
{
    /// <summary>True once <paramref name="condition"/> holds, asked every 100 ms; false if it never did within <paramref name="patience"/>.</summary>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }
    }
}
