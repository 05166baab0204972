using TenantChat.Grains.Models;

namespace TenantChat.Grains.Upstreams;

public static class UpstreamErrors
{
    /// <summary>What a caller is told about an upstream failure: never the upstream's own words.</summary>
    public static ServiceError ToServiceError(UpstreamException e) => e.Failure switch
    {
        UpstreamFailure.Timeout => new ServiceError(ProblemCode.UpstreamTimeout, "The AI provider did not answer in time; nothing was charged."),
        UpstreamFailure.Unavailable => new ServiceError(ProblemCode.Unavailable, "The AI provider is failing; calls are paused briefly.", 5),
        _ => new ServiceError(ProblemCode.UpstreamError, "The AI provider returned an error; nothing was charged."),
    };
}
