using Microsoft.Extensions.Options;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>What the chat endpoints use, taken as one <c>[AsParameters]</c> argument.</summary>
public sealed class ChatServices(IClusterClient orleans, FailoverRetry failover, ChatStreaming streaming, IOptions<ChatOptions> options,
    TimeProvider clock)
{
    public IClusterClient Orleans { get; } = orleans;

    public FailoverRetry Failover { get; } = failover;

    public ChatStreaming Streaming { get; } = streaming;

    public IOptions<ChatOptions> Options { get; } = options;

    public TimeProvider Clock { get; } = clock;
}
