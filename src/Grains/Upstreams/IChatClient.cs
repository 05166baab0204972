namespace TenantChat.Grains.Upstreams;

/// <summary>
/// An external AI API. Implementations throw <see cref="UpstreamException"/> for every failure, including one in
/// the middle of a stream, whose chunks already yielded must then be treated as an incomplete answer.
/// </summary>
public interface IChatClient
{
    Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default);

    /// <summary>The answer in pieces, as the upstream produces it; the deltas concatenated are the whole answer.</summary>
    IAsyncEnumerable<UpstreamChunk> StreamAsync(UpstreamRequest request, CancellationToken cancellationToken = default);
}
