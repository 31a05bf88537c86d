namespace MadBase.ServiceDefaults.Functions;

/// <summary>Headers between the gateway and the workers' <c>/functions/v1</c>.</summary>
public static class FunctionHeaders
{
    /// <summary>
    /// Set by the worker on the answers it gives itself (its errors, a preflight no function answered). A
    /// function's own answer carries its own CORS headers, which the gateway must leave as they are (an origin
    /// allow-list in the function's code would mean nothing otherwise); these get the gateway's, so a browser
    /// can read them. The gateway removes it.
    /// </summary>
    public const string PlatformAnswer = "X-MadBase-Platform-Answer";
}
