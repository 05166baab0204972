// Compiled into both processes (linked from src/Shared): how long a SIGTERM waits for the calls in flight.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TenantChat.Shared;

public static class GracefulShutdown
{
    /// <summary>
    /// On SIGTERM the frontend stops accepting connections and finishes the requests it has; the silo leaves the
    /// cluster, finishes the grain calls it is running and forwards the rest. Both wait at most
    /// <c>Shutdown:TimeoutSeconds</c> (45 s by default: longer than one upstream attempt at the default
    /// <c>Ai:TimeoutSeconds</c> of 30). Whatever is still running then is cut off: a frontend's caller loses the
    /// connection, and a silo's calls are retried by the frontends on another silo, as after a crash.
    /// </summary>
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services, IConfiguration configuration) =>
        services.Configure<HostOptions>(options =>
            options.ShutdownTimeout = TimeSpan.FromSeconds(configuration.GetValue("Shutdown:TimeoutSeconds", 45)));
}
