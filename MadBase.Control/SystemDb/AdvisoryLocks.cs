using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace MadBase.Control.SystemDb;

/// <summary>
/// Session-level advisory locks on a context's connection, which stays open until the lock is released, so
/// that everything done through the context meanwhile runs under it. Written as SQL: EF has no lock API.
/// The names are the ones Control used before EF, so an older Control starting beside a newer one waits too.
/// </summary>
internal static class AdvisoryLocks
{
    public static async Task<IAsyncDisposable> LockAsync(this DatabaseFacade database, string name, CancellationToken cancellationToken)
    {
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await database.ExecuteSqlAsync($"SELECT pg_advisory_lock(hashtext({name}))", cancellationToken);
        }
        catch
        {
            await database.CloseConnectionAsync();
            throw;
        }

        return new Held(database, name);
    }

    private sealed class Held(DatabaseFacade database, string name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Not the caller's token: a cancelled start must still let the next instance in.
                await database.ExecuteSqlAsync($"SELECT pg_advisory_unlock(hashtext({name}))", CancellationToken.None);
            }
            finally
            {
                await database.CloseConnectionAsync();
            }
        }
    }
}
