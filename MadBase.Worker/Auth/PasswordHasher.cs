using System.Text;

namespace MadBase.Worker.Auth;

/// <summary>
/// bcrypt as GoTrue uses it (crypto/password.go): new hashes <c>$2a$</c> cost 10; imported <c>$2a$/$2b$/$2y$</c>
/// hashes verify. Hashing is CPU-bound for ~70 ms, so at most one hash per core runs at a time and the rest
/// wait asynchronously, leaving the thread pool free to serve everything else. BCrypt.Net-Next hashes and
/// verifies as fast as BouncyCastle's OpenBsdBCrypt did (ratio 0.95–1.05, <c>bench/bcrypt.sh</c>) and each
/// verifies the other's hashes, so rows written before the switch still sign in.
/// </summary>
internal sealed class PasswordHasher
{
    public const int MaxBytes = 72;
    private const int Cost = 10;

    private readonly SemaphoreSlim gate = new(Math.Max(1, Environment.ProcessorCount));

    public static bool IsTooLong(string password) => Encoding.UTF8.GetByteCount(password) > MaxBytes;

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(Cost, 'a')), cancellationToken);

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
                    return BCrypt.Net.BCrypt.Verify(password, hash);
                }
                catch (Exception e) when (e is ArgumentException or FormatException or BCrypt.Net.SaltParseException)
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
