namespace MadBase.Worker.Realtime.Channels;

/// <summary>
/// What a caller may do on a private channel, as RLS on <c>realtime.messages</c> decides; null is not
/// checked yet. Public channels have none and allow everything.
/// </summary>
internal sealed class ChannelPolicies
{
    public bool BroadcastRead { get; set; }

    public bool PresenceRead { get; set; }

    public bool? BroadcastWrite { get; set; }

    public bool? PresenceWrite { get; set; }
}
