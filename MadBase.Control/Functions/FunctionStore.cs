using System.Security.Cryptography;
using System.Text;
using MadBase.Control.Admin;
using MadBase.Control.SystemDb;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace MadBase.Control.Functions;

/// <summary>
/// <c>madbase.functions</c>, <c>function_versions</c> and <c>function_secrets</c>, through EF. A deploy inserts
/// the new version and points the function at it in one transaction: workers see the old version or the new
/// one, never half of a deploy, and requests already running on the old version finish on it.
/// </summary>
internal sealed class FunctionStore(ControlDb db, TimeProvider time)
{
    /// <summary>Versions kept per function (the served one included); older bundles are deleted on deploy.</summary>
    public const int KeptVersions = 5;

    public async Task<List<FunctionDetails>> ListAsync(string projectRef, CancellationToken cancellationToken)
    {
        // Sorted here: EF cannot order by a member of a record it builds through its constructor.
        var functions = await Details(db.Functions.AsNoTracking().Where(f => f.ProjectRef == projectRef)).ToListAsync(cancellationToken);
        return [.. functions.OrderBy(f => f.Slug, StringComparer.Ordinal)];
    }

    public Task<FunctionDetails?> FindAsync(string projectRef, string slug, CancellationToken cancellationToken) =>
        Details(db.Functions.AsNoTracking().Where(f => f.ProjectRef == projectRef && f.Slug == slug))
            .SingleOrDefaultAsync(cancellationToken);

    public async Task<(FunctionDetails Function, bool Created)> DeployAsync(
        string projectRef, string slug, bool verifyJwt, byte[] bundle, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var function = await db.Functions.SingleOrDefaultAsync(f => f.ProjectRef == projectRef && f.Slug == slug, cancellationToken);
        var created = function is null;
        if (function is null)
        {
            function = new FunctionRow { ProjectRef = projectRef, Slug = slug, CreatedAt = now };
            db.Functions.Add(function);
        }

        function.Version++;
        function.VerifyJwt = verifyJwt;
        function.UpdatedAt = now;
        var sha256 = FunctionBundle.Sha256(bundle);
        db.FunctionVersions.Add(new FunctionVersionRow
        {
            ProjectRef = projectRef,
            Slug = slug,
            Version = function.Version,
            Bundle = bundle,
            Sha256 = sha256,
            CreatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two deploys of one function read the same version; the second to commit loses and may retry.
            throw AdminException.Conflict($"another deploy of function {slug} was under way: deploy again");
        }

        var oldest = function.Version - KeptVersions;
        await db.FunctionVersions
            .Where(v => v.ProjectRef == projectRef && v.Slug == slug && v.Version <= oldest)
            .ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (FunctionDetails.From(function, sha256), created);
    }

    /// <summary>False when there was no such function; its versions go with it.</summary>
    public async Task<bool> DeleteAsync(string projectRef, string slug, CancellationToken cancellationToken) =>
        await db.Functions.Where(f => f.ProjectRef == projectRef && f.Slug == slug).ExecuteDeleteAsync(cancellationToken) > 0;

    public async Task<List<SecretSummary>> ListSecretsAsync(string projectRef, CancellationToken cancellationToken)
    {
        var rows = await db.FunctionSecrets.AsNoTracking()
            .Where(s => s.ProjectRef == projectRef)
            .OrderBy(s => s.Name)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(s => new SecretSummary(s.Name, Digest(s.Value), s.UpdatedAt))];
    }

    /// <summary>Inserts or replaces each secret, all in one statement batch.</summary>
    public async Task SetSecretsAsync(string projectRef, IReadOnlyList<(string Name, string Value)> secrets, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var names = secrets.Select(s => s.Name).ToList();
        var existing = await db.FunctionSecrets
            .Where(s => s.ProjectRef == projectRef && names.Contains(s.Name))
            .ToDictionaryAsync(s => s.Name, StringComparer.Ordinal, cancellationToken);
        foreach (var (name, value) in secrets)
        {
            if (existing.TryGetValue(name, out var row))
            {
                row.Value = value;
                row.UpdatedAt = now;
            }
            else
            {
                db.FunctionSecrets.Add(new FunctionSecretRow { ProjectRef = projectRef, Name = name, Value = value, UpdatedAt = now });
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw AdminException.Conflict("another change to these secrets was under way: set them again");
        }
    }

    public async Task<bool> DeleteSecretAsync(string projectRef, string name, CancellationToken cancellationToken) =>
        await db.FunctionSecrets.Where(s => s.ProjectRef == projectRef && s.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>What <c>supabase secrets list</c> shows: enough to tell two values apart, nothing to recover one.</summary>
    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private IQueryable<FunctionDetails> Details(IQueryable<FunctionRow> functions) =>
        from f in functions
        join v in db.FunctionVersions on new { f.ProjectRef, f.Slug, f.Version } equals new { v.ProjectRef, v.Slug, v.Version }
        select new FunctionDetails(f.Slug, f.Version, f.VerifyJwt, v.Sha256, f.CreatedAt, f.UpdatedAt);
}
