using System.Globalization;
using System.Text;
using Polly.CircuitBreaker;
using Polly.Timeout;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Providers;

/// <summary>
/// The GET-style text API: <c>GET {base}/{prompt}?system=..&amp;model=..&amp;seed=..</c>, the reply body is the
/// answer. Retries, timeouts and the circuit breaker live in the HttpClient's handlers.
/// </summary>
public sealed class TextApiChatClient(HttpClient http) : IChatUpstream
{
    private static readonly UriCreationOptions VerbatimUri = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public async Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default)
    {
        // Canonicalization would turn an encoded "%2E%2E" back into "..", and then drop it as a dot segment.
        var uri = new Uri(http.BaseAddress!.AbsoluteUri + BuildPathAndQuery(request), VerbatimUri);
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        try
        {
            using var response = await http.SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new UpstreamException(UpstreamFailure.Error, $"The upstream answered {(int)response.StatusCode}.");
            }
            return new UpstreamReply(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (TimeoutRejectedException e)
        {
            throw new UpstreamException(UpstreamFailure.Timeout, "The upstream did not answer in time.", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new UpstreamException(UpstreamFailure.Unavailable, "The upstream is failing; calls are paused.", e);
        }
        catch (HttpRequestException e)
        {
            throw new UpstreamException(UpstreamFailure.Error, "The upstream could not be reached.", e);
        }
    }

    /// <summary>
    /// The prompt becomes exactly one path segment: every reserved character is percent-encoded, and so are dots,
    /// so that neither <c>/</c> nor <c>..</c> in a prompt can change the path.
    /// </summary>
    public static string BuildPathAndQuery(UpstreamRequest request)
    {
        var segment = Uri.EscapeDataString(Flatten(request)).Replace(".", "%2E", StringComparison.Ordinal);
        var query = new StringBuilder("?system=").Append(Uri.EscapeDataString(request.SystemPrompt))
            .Append("&model=").Append(Uri.EscapeDataString(request.Model));
        if (request.Seed is { } seed)
        {
            query.Append("&seed=").Append(seed.ToString(CultureInfo.InvariantCulture));
        }
        return segment + query;
    }

    /// <summary>The text API takes one prompt, so earlier turns travel as a transcript ahead of it.</summary>
    private static string Flatten(UpstreamRequest request)
    {
        if (request.Context.Count == 0)
        {
            return request.Prompt;
        }
        var transcript = new StringBuilder();
        foreach (ConversationTurn turn in request.Context)
        {
            transcript.Append("User: ").Append(turn.Prompt).Append('\n').Append("Assistant: ").Append(turn.Response).Append('\n');
        }
        return transcript.Append("User: ").Append(request.Prompt).ToString();
    }
}
