using System.Buffers;
using MadBase.ServiceDefaults.Errors;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// Answers 400 for a request whose headers the proxy could not write upstream, before a worker is picked.
/// </summary>
/// <remarks>
/// Kestrel accepts UTF-8 header values, but HttpClient writes only ASCII and throws on anything else, which
/// YARP reports as a failed forward (502) against the destination it picked, and enough of those took every
/// worker out of rotation. Refusing here rather than forwarding with a guessed encoding (HttpClient's
/// RequestHeaderEncoding) keeps what a worker sees byte-for-byte what the client sent, and makes the
/// client's mistake the client's error. Header values may hold visible ASCII, space and tab (RFC 9110's
/// field-vchar without obs-text, which HttpClient refuses); names must be tokens.
/// </remarks>
internal sealed class ForwardableHeadersMiddleware(RequestDelegate next)
{
    private static readonly SearchValues<char> ValueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly SearchValues<char> TokenChars = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    public Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!IsToken(name))
            {
                return ErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid request header name");
            }

            foreach (var value in values)
            {
                if (value is not null && value.AsSpan().ContainsAnyExcept(ValueChars))
                {
                    return ErrorResponse.WriteAsync(
                        context, StatusCodes.Status400BadRequest, $"request header '{name}' has characters that cannot be forwarded");
                }
            }
        }

        return next(context);
    }

    internal static bool IsToken(string name) => name.Length > 0 && !name.AsSpan().ContainsAnyExcept(TokenChars);
}
