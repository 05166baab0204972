using TenantChat.Grains.Models;

namespace TenantChat.Grains.Upstreams;

/// <summary>The upstream's answer, with its own token usage when it reports one.</summary>
public sealed record class UpstreamReply(string Text, TokenUsage? ReportedUsage = null);
