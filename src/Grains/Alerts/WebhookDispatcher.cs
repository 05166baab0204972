using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TenantChat.Grains.Alerts;

/// <summary>
/// Drains the webhook outbox on every silo: claims the events due, POSTs each signed with its tenant's secret, and
/// records the outcome. A failure (no 2xx, an error, a timeout) is retried with doubling delays until the event is
/// <see cref="AlertOptions.GiveUpMinutes"/> old. Delivery is at least once: receivers drop duplicates by the event's id.
/// </summary>
public sealed class WebhookDispatcher(WebhookOutboxStore outbox, IOptions<AlertOptions> options, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    public const string SignatureHeader = "X-TenantChat-Signature";
    private const int BatchSize = 16;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http = CreateClient(options.Value);

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body's UTF-8 bytes under the secret.</summary>
    public static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(o.PollMilliseconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var due = await outbox.ClaimDueAsync(BatchSize, TimeSpan.FromMinutes(o.GiveUpMinutes));
                await Task.WhenAll(due.Select(webhook => DeliverAsync(webhook, stoppingToken)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Webhook outbox unavailable ({Failure}); trying again", e.GetType().Name);
            }
        }
    }

    private async Task DeliverAsync(DueWebhook webhook, CancellationToken cancellationToken)
    {
        string status;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
            {
                Content = new StringContent(webhook.Body, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(webhook.Secret ?? "", webhook.Body));
            using var response = await _http.SendAsync(request, cancellationToken);
            status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (response.IsSuccessStatusCode)
            {
                await outbox.RecordAttemptAsync(webhook.Id, status, retryIn: null);
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            status = e.GetType().Name;
        }
        var delay = TimeSpan.FromSeconds(options.Value.RetryBaseSeconds * Math.Pow(2, Math.Min(webhook.Attempts - 1, 16)));
        logger.LogInformation("Webhook {EventId} attempt {Attempt} failed ({Status}); retrying", webhook.Id, webhook.Attempts, status);
        await outbox.RecordAttemptAsync(webhook.Id, status, delay < MaxRetryDelay ? delay : MaxRetryDelay);
    }

    /// <summary>Connects only to addresses <see cref="AlertTargets"/> allows, whatever the URL's name resolves to now.</summary>
    private static HttpClient CreateClient(AlertOptions o)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await System.Net.Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                var allowed = addresses.Where(a => o.AllowPrivateTargets || !AlertTargets.IsInternal(a)).ToArray();
                if (allowed.Length == 0)
                {
                    throw new HttpRequestException("The webhook target resolves only to refused addresses.");
                }
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(o.DeliveryTimeoutSeconds) };
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
