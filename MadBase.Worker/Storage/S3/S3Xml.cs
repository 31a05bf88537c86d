using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace MadBase.Worker.Storage.S3;

/// <summary>S3's XML bodies: answers in its 2006-03-01 namespace, and the request bodies some operations send.</summary>
internal static class S3Xml
{
    public static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    private const long MaxRequestBytes = 2 * 1024 * 1024;

    public static IResult Result(XElement root) => new XmlResult(new XDocument(new XDeclaration("1.0", "UTF-8", null), root));

    public static XElement Element(string name, params object?[] content) => new(Ns + name, content);

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A small XML request body (DeleteObjects, CompleteMultipartUpload), bounded, without DTDs.</summary>
    public static async Task<XElement> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxRequestBytes)
        {
            throw S3Errors.MalformedXml();
        }

        try
        {
            using var reader = XmlReader.Create(
                new BoundedStream(request.Body, MaxRequestBytes),
                new XmlReaderSettings { Async = true, DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var document = await XDocument.LoadAsync(reader, LoadOptions.None, cancellationToken);
            return document.Root ?? throw S3Errors.MalformedXml();
        }
        catch (XmlException)
        {
            throw S3Errors.MalformedXml();
        }
    }

    /// <summary>The child elements named <paramref name="name"/>, with or without S3's namespace (clients send both).</summary>
    public static IEnumerable<XElement> Children(this XElement element, string name) =>
        element.Elements().Where(e => e.Name.LocalName == name);

    public static string? Child(this XElement element, string name) => element.Children(name).FirstOrDefault()?.Value;

    private sealed class XmlResult(XDocument document) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "application/xml";
            return httpContext.Response.WriteAsync(
                document.Declaration + document.ToString(SaveOptions.DisableFormatting), httpContext.RequestAborted);
        }
    }

    private sealed class BoundedStream(Stream inner, long limit) : ReadOnlyStream
    {
        private long read;

        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int bytes)
        {
            read += bytes;
            return read > limit ? throw S3Errors.MalformedXml() : bytes;
        }
    }
}
