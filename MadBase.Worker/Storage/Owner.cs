using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Storage;

/// <summary>The <c>owner</c> (uuid) of what a caller creates: their <c>sub</c> when it is a uuid, as in Supabase.</summary>
internal static class Owner
{
    public static object Uuid(Caller caller) => Uuid(caller.Subject);

    public static object Uuid(string? subject) => Guid.TryParse(subject, out var id) ? id : DBNull.Value;
}
