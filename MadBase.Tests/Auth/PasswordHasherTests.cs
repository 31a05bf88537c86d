using MadBase.Worker.Auth;

namespace MadBase.Tests.Auth;

public sealed class PasswordHasherTests
{
    private readonly PasswordHasher hasher = new();

    [Fact]
    public async Task HashAsync_Password_IsBcrypt2aCost10ThatVerifies()
    {
        var hash = await hasher.HashAsync("correct horse", CancellationToken.None);

        Assert.StartsWith("$2a$10$", hash, StringComparison.Ordinal);
        Assert.Equal(60, hash.Length);
        Assert.True(await hasher.VerifyAsync(hash, "correct horse", CancellationToken.None));
        Assert.False(await hasher.VerifyAsync(hash, "correct horsf", CancellationToken.None));
    }

    [Fact]
    public async Task VerifyAsync_MalformedOrMissingHash_ReturnsFalse()
    {
        Assert.False(await hasher.VerifyAsync("$2a$10$short", "password", CancellationToken.None));
        Assert.False(await hasher.VerifyAsync("not-a-hash", "password", CancellationToken.None));
        Assert.False(await hasher.VerifyAsync(null, "password", CancellationToken.None));
        Assert.False(await hasher.VerifyAsync(string.Empty, "password", CancellationToken.None));
    }

    [Fact]
    public void IsTooLong_Counts72Utf8Bytes()
    {
        Assert.False(PasswordHasher.IsTooLong(new string('a', 72)));
        Assert.True(PasswordHasher.IsTooLong(new string('a', 73)));
        Assert.True(PasswordHasher.IsTooLong(new string('é', 37)));
    }

    [Fact]
    public async Task HashAsync_ManyAtOnce_AllComplete()
    {
        var hashes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => hasher.HashAsync("pw" + i, CancellationToken.None)));

        Assert.Equal(6, hashes.Distinct(StringComparer.Ordinal).Count());
    }
}
