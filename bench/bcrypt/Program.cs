// bcrypt at GoTrue's cost (10, $2a$): BCrypt.Net-Next (what the worker uses) against BouncyCastle's
// OpenBsdBCrypt (what it used before). Both run interleaved in one process, so the ratio holds on a noisy
// machine even when the milliseconds do not. Also checks that each verifies the other's hashes, ASCII and not.
using System.Diagnostics;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Generators;

var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 30;
foreach (var password in new[] { "correct horse battery staple", "pässwörd😀ü" })
{
    var bouncy = OpenBsdBCrypt.Generate("2a", password.ToCharArray(), RandomNumberGenerator.GetBytes(16), 10);
    var next = BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(10, 'a'));
    if (!BCrypt.Net.BCrypt.Verify(password, bouncy) || !OpenBsdBCrypt.CheckPassword(next, password.ToCharArray()))
    {
        Console.WriteLine($"INCOMPATIBLE hashes for {password}");
        return 1;
    }
}

Console.WriteLine("compatible: each verifies the other's $2a$ hashes (ASCII and non-ASCII passwords)");
const string Pw = "correct horse battery staple";
var bouncyHash = OpenBsdBCrypt.Generate("2a", Pw.ToCharArray(), RandomNumberGenerator.GetBytes(16), 10);
var nextHash = BCrypt.Net.BCrypt.HashPassword(Pw, BCrypt.Net.BCrypt.GenerateSalt(10, 'a'));
double bouncyHashMs = 0, nextHashMs = 0, bouncyVerifyMs = 0, nextVerifyMs = 0;
for (var i = -3; i < rounds; i++) // three warm-up rounds, not counted
{
    var t = Stopwatch.GetTimestamp();
    OpenBsdBCrypt.Generate("2a", Pw.ToCharArray(), RandomNumberGenerator.GetBytes(16), 10);
    var a = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    t = Stopwatch.GetTimestamp();
    BCrypt.Net.BCrypt.HashPassword(Pw, BCrypt.Net.BCrypt.GenerateSalt(10, 'a'));
    var b = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    t = Stopwatch.GetTimestamp();
    OpenBsdBCrypt.CheckPassword(bouncyHash, Pw.ToCharArray());
    var c = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    t = Stopwatch.GetTimestamp();
    BCrypt.Net.BCrypt.Verify(Pw, nextHash);
    var d = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    if (i >= 0)
    {
        (bouncyHashMs, nextHashMs, bouncyVerifyMs, nextVerifyMs) = (bouncyHashMs + a, nextHashMs + b, bouncyVerifyMs + c, nextVerifyMs + d);
    }
}

Console.WriteLine($"hash:   BouncyCastle {bouncyHashMs / rounds,6:F1} ms, BCrypt.Net-Next {nextHashMs / rounds,6:F1} ms: ratio {nextHashMs / bouncyHashMs:F2} (goal <= 1.05)");
Console.WriteLine($"verify: BouncyCastle {bouncyVerifyMs / rounds,6:F1} ms, BCrypt.Net-Next {nextVerifyMs / rounds,6:F1} ms: ratio {nextVerifyMs / bouncyVerifyMs:F2} (goal <= 1.05)");
return 0;
