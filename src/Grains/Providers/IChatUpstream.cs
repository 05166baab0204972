namespace TenantChat.Grains.Providers;

/// <summary>An external AI API. Implementations throw <see cref="UpstreamException"/> for every failure.</summary>
public interface IChatUpstream
{
    Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default);
}
