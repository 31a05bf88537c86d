using System.Collections.Concurrent;
using MadBase.Worker.Realtime.Channels;

namespace MadBase.Worker.Realtime.Broadcast;

/// <summary>The channels joined on this worker, by topic.</summary>
internal sealed class ChannelRegistry
{
    private readonly ConcurrentDictionary<TopicKey, ConcurrentDictionary<long, JoinedChannel>> topics = new();

    public void Add(JoinedChannel channel) =>
        topics.GetOrAdd(channel.Key, _ => new ConcurrentDictionary<long, JoinedChannel>())[channel.Id] = channel;

    public void Remove(JoinedChannel channel)
    {
        if (topics.TryGetValue(channel.Key, out var members) && members.TryRemove(channel.Id, out _) && members.IsEmpty)
        {
            // A join racing this removal re-adds through GetOrAdd; removing only the empty instance keeps it.
            topics.TryRemove(new KeyValuePair<TopicKey, ConcurrentDictionary<long, JoinedChannel>>(channel.Key, members));
        }
    }

    /// <summary>Whether any channel of the project is joined on this worker.</summary>
    public bool HasProject(string projectRef) => topics.Any(t => t.Key.ProjectRef == projectRef && !t.Value.IsEmpty);

    public IEnumerable<JoinedChannel> On(TopicKey key) =>
        topics.TryGetValue(key, out var members) ? members.Values : [];
}
