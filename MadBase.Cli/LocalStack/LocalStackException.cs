namespace MadBase.Cli;

/// <summary>A failure whose message is written for the person running the stack: what went wrong and what to do.</summary>
internal sealed class LocalStackException : Exception
{
    public LocalStackException(string message)
        : base(message)
    {
    }

    public LocalStackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
