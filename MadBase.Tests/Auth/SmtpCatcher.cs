using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MadBase.Tests.Infrastructure;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MadBase.Tests.Auth;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a free loopback port that keeps what it receives: the
/// messages, parsed by MimeKit, and the logins. With <c>startTls</c> it offers STARTTLS with a self-signed
/// certificate no client trusts.
/// </summary>
internal sealed class SmtpCatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly SmtpServer.SmtpServer server;
    private readonly Task running;

    private SmtpCatcher(int port, bool startTls)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint =>
            {
                endpoint.Endpoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port)).AllowUnsecureAuthentication(true).AuthenticationRequired(false);
                if (startTls)
                {
                    endpoint.Certificate(SelfSigned());
                }
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(Messages));
        services.Add(new Logins(LoginsSeen));
        server = new SmtpServer.SmtpServer(options, services);
        running = server.StartAsync(stop.Token);
    }

    public int Port { get; }

    public ConcurrentQueue<MimeMessage> Messages { get; } = new();

    public ConcurrentQueue<(string User, string Password)> LoginsSeen { get; } = new();

    public static SmtpCatcher Start(bool startTls = false) => new(FreePorts.Take(), startTls);

    /// <summary>The message sent to <paramref name="to"/>; it was received before the request that sent it answered.</summary>
    public MimeMessage To(string to) =>
        Messages.SingleOrDefault(m => m.To.Mailboxes.Any(a => a.Address == to))
        ?? throw new Xunit.Sdk.XunitException($"no mail to {to}; received {Messages.Count}");

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        server.Shutdown();
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5)));
        stop.Dispose();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private sealed class Store(ConcurrentQueue<MimeMessage> messages) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Logins(ConcurrentQueue<(string, string)> seen) : UserAuthenticator
    {
        public override Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            seen.Enqueue((user, password));
            return Task.FromResult(password == SmtpMailTests.Password);
        }
    }
}
