using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace TenantChat.FaultSuite;

/// <summary>
/// A webhook receiver on loopback, speaking just enough HTTP/1.1 for the silos' deliveries. While
/// <see cref="Holding"/>, a request is read and then left unanswered (the connection stays open), so the delivering
/// silo is caught in the middle of a delivery; otherwise it is answered <c>200</c> and counted as delivered.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _held = [];
    private readonly Task _accepting;

    private WebhookReceiver()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static WebhookReceiver Start() => new();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url => new($"http://127.0.0.1:{Port}/hook");

    /// <summary>Whether the next requests are held unanswered.</summary>
    public bool Holding { get; set; } = true;

    /// <summary>Requests read and left unanswered, with the port the sender connected from.</summary>
    public ConcurrentQueue<ReceivedWebhook> Held { get; } = new();

    /// <summary>Requests answered 200.</summary>
    public ConcurrentQueue<ReceivedWebhook> Delivered { get; } = new();

    /// <summary>Whether <paramref name="webhook"/> carries the signature of its body under <paramref name="secret"/>.</summary>
    public static bool IsSignedWith(ReceivedWebhook webhook, string secret) =>
        webhook.Signature == "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(webhook.Body)));

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient connection;
            try
            {
                connection = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(TcpClient connection)
    {
        var keep = false;
        try
        {
            var stream = connection.GetStream();
            var (signature, body) = await ReadRequestAsync(stream, _stop.Token);
            var webhook = new ReceivedWebhook(EventId(body), body, signature, ((IPEndPoint)connection.Client.RemoteEndPoint!).Port, SuiteClock.Now);
            if (Holding)
            {
                keep = true;
                _held.Add(connection);
                Held.Enqueue(webhook);
                return;
            }
            Delivered.Enqueue(webhook);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException)
        {
            // The sender went away mid-request (a killed silo): nothing was delivered.
        }
        finally
        {
            if (!keep)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Reads the head up to its blank line, then <c>Content-Length</c> bytes of body.</summary>
    private static async Task<(string? Signature, string Body)> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfBlankLine(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new IOException("closed before the end of the request head");
            }
            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }
        var head = Encoding.ASCII.GetString([.. buffer.Take(headEnd)]).Split("\r\n");
        string? Header(string name) => head.Skip(1).Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2
            && parts[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).Select(parts => parts[1].Trim()).FirstOrDefault();
        var length = int.Parse(Header("Content-Length") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var body = buffer.Skip(headEnd + 4).ToList();
        while (body.Count < length)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                throw new IOException("closed before the end of the body");
            }
            body.AddRange(chunk.AsSpan(0, read).ToArray());
        }
        return (Header("X-TenantChat-Signature"), Encoding.UTF8.GetString([.. body]));
    }

    private static int IndexOfBlankLine(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private static string? EventId(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["id"]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var connection in _held)
        {
            connection.Dispose();
        }
        _stop.Dispose();
    }
}

/// <summary>One webhook request as the receiver read it; <see cref="SenderPort"/> is the sender's side of the connection.</summary>
public sealed record class ReceivedWebhook(string? EventId, string Body, string? Signature, int SenderPort, TimeSpan At);
