using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TenantChat.FaultSuite;

/// <summary>The HTTP API of both frontends, as callers and the operator use it.</summary>
public sealed class TenantChatClient(SuiteSettings settings) : IDisposable
{
    /// <summary>Longer than Orleans' 30 s response timeout, so the application's own answer is what is seen.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(35);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public int FrontendCount => settings.Frontends.Count;

    public async Task<ChatCall> ChatAsync(FaultTenant tenant, int frontend, string prompt, CancellationToken cancellationToken = default)
    {
        var started = SuiteClock.Now;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.Frontends[frontend], "api/chat/call"))
        {
            Content = JsonContent.Create(new { prompt }),
        };
        request.Headers.Host = tenant.Domain;
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var finished = SuiteClock.Now;
            var status = (int)response.StatusCode;
            var isProblem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            var body = TryParse(text);
            var call = new ChatCall(tenant.Index, frontend, prompt, started, finished, status, IsProblem: isProblem,
                RetryAfter: response.Headers.RetryAfter?.ToString());
            if (status == 200)
            {
                // A 200 without a readable id counts as a failure ("200 (unreadable body)"), not as a stored message.
                return call with
                {
                    MessageId = Guid.TryParse(Text(body?["id"]), out var id) ? id : null,
                    TotalTokens = long.TryParse(body?["usage"]?["total_tokens"]?.ToJsonString(), out var tokens) ? tokens : 0,
                };
            }
            return call with { Code = Text(body?["code"]) };
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var error = e is OperationCanceledException ? $"none within {CallTimeout.TotalSeconds:0} s" : Describe((HttpRequestException)e);
            return new ChatCall(tenant.Index, frontend, prompt, started, SuiteClock.Now, 0, Error: error);
        }
    }

    /// <summary>
    /// Chat calls a frontend is serving right now, from its <c>/metrics</c> (prometheus-net's
    /// http_requests_in_progress of the chat route); null when that cannot be read.
    /// </summary>
    public async Task<int?> ChatCallsInProgressAsync(int frontend)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var metrics = await _http.GetStringAsync(new Uri(settings.Frontends[frontend], "metrics"), timeout.Token);
            return metrics.Split('\n')
                .Where(line => line.StartsWith("http_requests_in_progress{", StringComparison.Ordinal) && line.Contains("chat/call", StringComparison.Ordinal))
                .Sum(line => (int)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Waits until <paramref name="frontends"/> together serve at least <paramref name="expected"/> chat calls (so
    /// calls just sent have really arrived), for at most <paramref name="limit"/>; returns the last count seen.
    /// </summary>
    public async Task<int> WaitForCallsInProgressAsync(IReadOnlyList<int> frontends, int expected, TimeSpan limit)
    {
        var deadline = SuiteClock.Now + limit;
        while (true)
        {
            var counts = await Task.WhenAll(frontends.Select(ChatCallsInProgressAsync));
            var total = counts.Sum(count => count ?? 0);
            if (total >= expected || SuiteClock.Now >= deadline)
            {
                return total;
            }
            await Task.Delay(50);
        }
    }

    public async Task<FaultTenant> CreateTenantAsync(int index, object body)
    {
        var tenant = await CreateTenantJsonAsync(body);
        return new FaultTenant(index, Guid.Parse(tenant["id"]!.GetValue<string>()), tenant["domain"]!.GetValue<string>());
    }

    /// <summary>Creates a tenant and returns the operator API's whole answer (with the webhook secret, shown only here).</summary>
    public async Task<JsonObject> CreateTenantJsonAsync(object body)
    {
        using var response = await AdminAsync(HttpMethod.Post, "api/admin/tenants", 0, JsonContent.Create(body));
        return await ReadAsync(response, "creating a tenant");
    }

    public async Task PatchTenantAsync(Guid id, object body)
    {
        using var response = await AdminAsync(HttpMethod.Patch, $"api/admin/tenants/{id}", 0, JsonContent.Create(body));
        await ReadAsync(response, "changing a tenant");
    }

    /// <summary>The tenant as the operator API shows it; retried on both frontends for a while, since it follows faults.</summary>
    public async Task<JsonObject> GetTenantAsync(Guid id)
    {
        var deadline = SuiteClock.Now + TimeSpan.FromSeconds(20);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await AdminAsync(HttpMethod.Get, $"api/admin/tenants/{id}", attempt % FrontendCount, null);
                return await ReadAsync(response, "reading a tenant");
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TimeoutException && SuiteClock.Now < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>
    /// Waits until every frontend answers the operator API, for at most <paramref name="limit"/>: a cold process on a
    /// busy machine can take many seconds over its first requests, which must not count against a scenario.
    /// </summary>
    public async Task<string?> WaitUntilServingAsync(TimeSpan limit)
    {
        var deadline = SuiteClock.Now + limit;
        for (var frontend = 0; frontend < FrontendCount; frontend++)
        {
            while (true)
            {
                try
                {
                    using var response = await AdminAsync(HttpMethod.Get, "api/admin/tenants?limit=1", frontend, null);
                    await ReadAsync(response, "listing tenants");
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TimeoutException)
                {
                    if (SuiteClock.Now >= deadline)
                    {
                        return $"frontend {frontend}: {e.Message}";
                    }
                    await Task.Delay(1000);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Asks the operator API to create a throw-away tenant and says how it answered: the status, the problem
    /// <c>code</c> (if any) and whether a Retry-After came with it.
    /// </summary>
    public async Task<(int Status, string? Code, bool RetryAfter)> ProbeOperatorApiAsync(string domain)
    {
        var body = new { name = "Operator probe", domain, token_limit = 1000, model = "fault-model" };
        using var response = await AdminAsync(HttpMethod.Post, "api/admin/tenants", 0, JsonContent.Create(body));
        var problem = TryParse(await response.Content.ReadAsStringAsync());
        return ((int)response.StatusCode, Text(problem?["code"]), response.Headers.RetryAfter is not null);
    }

    private async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, int frontend, HttpContent? content)
    {
        var limit = TimeSpan.FromSeconds(30);
        using var timeout = new CancellationTokenSource(limit);
        using var request = new HttpRequestMessage(method, new Uri(settings.Frontends[frontend], path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.AdminKey);
        try
        {
            return await _http.SendAsync(request, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {request.RequestUri} got no answer within {limit.TotalSeconds:0} s");
        }
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || TryParse(text) is not { } body)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {text}");
        }
        return body;
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static string Describe(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.Unknown ? e.Message : e.HttpRequestError.ToString();

    public void Dispose() => _http.Dispose();
}
