using System.Globalization;

namespace TenantChat.FaultSuite;

/// <summary>
/// Which process holds one end of a loopback TCP connection, read from Linux's <c>/proc</c>: the socket's inode from
/// <c>/proc/net/tcp</c> and <c>tcp6</c> (a .NET socket is dual-mode, so IPv4 loopback often shows in tcp6), then the
/// candidate whose file descriptors include that socket.
/// </summary>
public static class SocketOwner
{
    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>The pid among <paramref name="candidates"/> owning the socket bound to <paramref name="localPort"/> and connected to <paramref name="remotePort"/>.</summary>
    public static int? Find(int localPort, int remotePort, IEnumerable<int> candidates)
    {
        var inodes = Tables
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 9 && fields[1].Contains(':', StringComparison.Ordinal)
                && Port(fields[1]) == localPort && Port(fields[2]) == remotePort)
            .Select(fields => $"socket:[{fields[9]}]")
            .ToHashSet(StringComparer.Ordinal);
        if (inodes.Count == 0)
        {
            return null;
        }
        foreach (var pid in candidates)
        {
            try
            {
                if (Directory.EnumerateFiles($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to look at: not the owner.
            }
        }
        return null;
    }

    /// <summary>The port of an address such as <c>0100007F:1F90</c> (hex, as /proc writes it); -1 for a header line.</summary>
    private static int Port(string address) =>
        int.TryParse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port) ? port : -1;
}
