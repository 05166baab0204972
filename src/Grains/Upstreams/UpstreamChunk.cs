using TenantChat.Grains.Models;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// One piece of a streamed answer. <see cref="Usage"/> is set on the chunk that carries the upstream's own token
/// count, typically the last one, and only when the upstream reports it.
/// </summary>
public sealed record class UpstreamChunk(string Delta, TokenUsage? Usage = null);
