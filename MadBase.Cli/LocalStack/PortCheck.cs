using System.Net;
using System.Net.Sockets;

namespace MadBase.Cli;

/// <summary>Finds a taken port before a server fails on it with a less helpful message.</summary>
internal static class PortCheck
{
    public static void EnsureFree(int port, string server, string option)
    {
        if (!IsFree(port))
        {
            throw InUse(port, server, option);
        }
    }

    public static LocalStackException InUse(int port, string server, string option)
    {
        return new LocalStackException(
            $"Port {port} ({server}) is already in use on 127.0.0.1. "
            + $"Stop whatever holds it, or choose another port with {option} <port>.");
    }

    public static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
