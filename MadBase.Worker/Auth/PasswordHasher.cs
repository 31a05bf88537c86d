using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;

namespace MadBase.Worker.Auth;

/// <summary>
/// bcrypt as GoTrue uses it (crypto/password.go): new hashes <c>$2a$</c> cost 10; imported <c>$2a$/$2b$/$2y$</c>
/// hashes verify. Hashing is CPU-bound for ~70 ms, so at most one hash per core runs at a time and the rest
/// wait asynchronously, leaving the thread pool free to serve everything else.
/// </summary>
internal sealed class PasswordHasher
{
    public const int MaxBytes = 72;
    private const int Cost = 10;

    private readonly SemaphoreSlim gate = new(Math.Max(1, Environment.ProcessorCount));

    public static bool IsTooLong(string password) => Encoding.UTF8.GetByteCount(password) > MaxBytes;

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => OpenBsdBCrypt.Generate("2a", password.ToCharArray(), RandomNumberGenerator.GetBytes(16), Cost), cancellationToken);

    public Task<bool> VerifyAsync(string? hash, string password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(hash) || !hash.StartsWith("$2", StringComparison.Ordinal) || IsTooLong(password))
        {
            return Task.FromResult(false);
        }

        return RunAsync(
            () =>
            {
                try
                {
                    return OpenBsdBCrypt.CheckPassword(hash, password.ToCharArray());
                }
                catch (Exception e) when (e is ArgumentException or FormatException or Org.BouncyCastle.Crypto.CryptoException)
                {
                    return false; // a malformed hash in an imported row never matches
                }
            },
            cancellationToken);
    }

    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(work, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}
