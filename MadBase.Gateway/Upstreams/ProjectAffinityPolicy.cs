using System.IO.Hashing;
using System.Runtime.InteropServices;
using MadBase.ServiceDefaults.Projects;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace MadBase.Gateway.Upstreams;

/// <summary>
/// Keeps each project on one worker: consistent hashing with bounded loads on the project ref. Round robin made
/// every worker meet every project, so with many projects each worker's per-project pools outgrew its connection
/// cap and most requests paid a new Postgres connection (fork, SCRAM) and a cold schema cache and statement cache.
/// The destinations are ordered by rendezvous (highest random weight) hash of (project ref, destination id), the
/// same order in every gateway process, and a request goes to the first whose load, counting the request, stays
/// within <see cref="LoadFactor"/> times the average (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with
/// Bounded Loads"): a project stays on its worker until that worker is busier than the rest, so one hot project
/// still spreads over all of them. Only a burst spreads: a request spills only while at least two other requests of
/// its project are in flight (<see cref="ProjectsInFlight"/>, <see cref="BurstSize"/>). Without that rule, projects
/// spread evenly spilled whenever one worker ran a quarter above the average for a moment, and each spill paid a cold
/// start on the other worker (a pool, a Postgres connection, a schema cache): bench/projects.sh saw half of 500
/// projects open a second pool within 40 s.
/// A worker out of rotation moves only its own projects; the others keep theirs.
/// Requests without a project (the API-key step names it in <see cref="ProjectHeaders.ProjectRef"/>, and runs first)
/// go to the least loaded destination, ties taken in turn.
/// </summary>
internal sealed class ProjectAffinityPolicy(ProjectsInFlight projectsInFlight) : ILoadBalancingPolicy
{
    public const string PolicyName = "ProjectAffinity";

    /// <summary>
    /// How far above the average in-flight count a project's own worker may go before a burst of the project spills
    /// to the next. 1.25, the paper's example and HAProxy's usual <c>hash-balance-factor</c>: a burst of one project
    /// keeps at most 5/8 of its requests in flight on its worker when there are two.
    /// </summary>
    internal const double LoadFactor = 1.25;

    /// <summary>
    /// The requests of one project in flight at once, this one included, from which it may spill. Two happen together
    /// by chance: with 32 requests in flight over 500 projects, one in 16 finds another of its project in flight, and
    /// spilling those still opened about eight new pools a second in bench/projects.sh; three, about one in 500.
    /// </summary>
    internal const int BurstSize = 3;

    /// <summary>Destinations weighed on the stack; a cluster this large (none is) weighs on the heap.</summary>
    private const int StackLimit = 32;

    private int turn;

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count <= 1)
        {
            return count == 0 ? null : availableDestinations[0];
        }

        // One header value (the API-key step sets it once) reads back as the same string, without allocating.
        var projectRef = context.Request.Headers[ProjectHeaders.ProjectRef].ToString();
        return projectRef.Length == 0 ? LeastLoaded(availableDestinations) : ByProject(projectRef, availableDestinations);
    }

    private DestinationState ByProject(string projectRef, IReadOnlyList<DestinationState> destinations)
    {
        // This request is one of the counted; with fewer, it stays on the project's worker however busy that is.
        var bursting = projectsInFlight.Of(projectRef) >= BurstSize;
        var count = destinations.Count;
        Span<ulong> weights = count <= StackLimit ? stackalloc ulong[count] : new ulong[count];
        var seed = ProjectSeed(projectRef);
        var inFlight = 0;
        for (var i = 0; i < count; i++)
        {
            weights[i] = Weight(seed, destinations[i].DestinationId);
            inFlight += destinations[i].ConcurrentRequestCount;
        }

        // The most a destination may hold once this request is on it; one always has room, as their loads sum to
        // inFlight < LoadFactor × (inFlight + 1).
        var bound = (int)Math.Ceiling(LoadFactor * (inFlight + 1) / count);

        // Highest weight first, by selection instead of a sort: clusters have a handful of destinations.
        var first = -1;
        for (var tried = 0; tried < count; tried++)
        {
            var best = -1;
            for (var i = 0; i < count; i++)
            {
                if (weights[i] != 0 && (best < 0 || weights[i] > weights[best]))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            if (!bursting || destinations[best].ConcurrentRequestCount + 1 <= bound)
            {
                return destinations[best];
            }

            first = first < 0 ? best : first;
            weights[best] = 0;
        }

        // Only when the counts moved under us while reading them: the project's own worker.
        return destinations[first < 0 ? 0 : first];
    }

    /// <summary>
    /// A stable 64-bit weight of (project, destination): xxHash3 of the destination id seeded with the ref's, the
    /// same in every process (string.GetHashCode is randomized per process, so two gateways would disagree).
    /// Destination ids are the workers' positions in the configured list, the same in every gateway that lists
    /// the same workers. Never 0, which marks a destination already tried.
    /// </summary>
    private static ulong Weight(long projectSeed, string destinationId)
    {
        var weight = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(destinationId.AsSpan()), projectSeed);
        return weight == 0 ? 1 : weight;
    }

    private static long ProjectSeed(string projectRef) =>
        unchecked((long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(projectRef.AsSpan())));

    private DestinationState LeastLoaded(IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        var start = (int)((uint)Interlocked.Increment(ref turn) % (uint)count);
        var best = destinations[start];
        for (var k = 1; k < count; k++)
        {
            var candidate = destinations[(start + k) % count];
            if (candidate.ConcurrentRequestCount < best.ConcurrentRequestCount)
            {
                best = candidate;
            }
        }

        return best;
    }
}
