using TenantChat.Grains.Models;
using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// The GET-style text API: <c>GET {base}/{prompt}?system=..&amp;model=..&amp;seed=..</c>, the reply body is the
/// answer. Retries, timeouts and the circuit breaker live in the HttpClient's handlers.
/// </summary>
public sealed class TextApiChatClient(HttpClient http, IOptions<AiOptions> options) : IChatClient
{
    private const int ReadSize = 4096;

    private static readonly UriCreationOptions VerbatimUri = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);

    /// <summary>The streamed answer put together, so both ways of calling read the body by the same rules.</summary>
    public async Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        await foreach (var chunk in StreamAsync(request, cancellationToken))
        {
            text.Append(chunk.Delta);
        }
        return new UpstreamReply(text.ToString());
    }

    /// <summary>The body's text as its bytes arrive; a character split between two reads is held back until it is whole.</summary>
    public async IAsyncEnumerable<UpstreamChunk> StreamAsync(UpstreamRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Canonicalization would turn an encoded "%2E%2E" back into "..", and then drop it as a dot segment.
        var uri = new Uri(http.BaseAddress!.AbsoluteUri + BuildPathAndQuery(request), VerbatimUri);
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        await using var body = await UpstreamBody.SendAsync(http, message, _idleTimeout, cancellationToken);
        var encoding = EncodingOf(body.Headers);
        var decoder = encoding.GetDecoder();
        // Pooled: every call would otherwise allocate both buffers (12 KiB) only to turn a short answer into a string.
        var bytes = ArrayPool<byte>.Shared.Rent(ReadSize);
        // Room for the few bytes of a split character that the decoder carries over from the previous read.
        var chars = ArrayPool<char>.Shared.Rent(encoding.GetMaxCharCount(ReadSize + 8));
        try
        {
            int read;
            do
            {
                read = await body.ReadAsync(bytes.AsMemory(0, ReadSize));
                var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: read == 0);
                if (count > 0)
                {
                    yield return new UpstreamChunk(new string(chars, 0, count));
                }
            }
            while (read > 0);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The charset the upstream declares, UTF-8 when it declares none or one this runtime does not know.</summary>
    private static Encoding EncodingOf(HttpContentHeaders headers)
    {
        var charset = headers.ContentType?.CharSet?.Trim('"');
        if (string.IsNullOrEmpty(charset))
        {
            return Encoding.UTF8;
        }
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
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
