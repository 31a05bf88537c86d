using System.Buffers;
using Microsoft.Extensions.ObjectPool;

namespace MadBase.Worker.Realtime.Socket;

/// <summary>
/// Pools the buffers sockets read messages into: 4 KiB to start (a realtime-js message is usually smaller),
/// and one grown past 64 KiB by a large broadcast is dropped rather than kept for a socket that never needs it.
/// </summary>
internal sealed class ReceiveBufferPolicy : IPooledObjectPolicy<ArrayBufferWriter<byte>>
{
    private const int MaxKeptCapacity = 64 * 1024;

    public ArrayBufferWriter<byte> Create() => new(4096);

    public bool Return(ArrayBufferWriter<byte> obj)
    {
        if (obj.Capacity > MaxKeptCapacity)
        {
            return false;
        }

        obj.ResetWrittenCount();
        return true;
    }
}
