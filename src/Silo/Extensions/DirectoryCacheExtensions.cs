using Orleans.Configuration;

namespace TenantChat.Silo.Extensions;

/// <summary>
/// The size of each silo's grain directory cache: <c>Orleans:DirectoryCacheSize</c>, default
/// <see cref="DefaultSize"/>. Orleans' default, 1,000,000, costs CPU every second whether or not the cache holds
/// anything: the cache's dictionary is allocated at that capacity, and Orleans counts its entries by walking the whole
/// dictionary once a second for the <c>orleans-directory-cache-size</c> gauge, which the dashboard reads. In a CPU
/// profile of the benchmark that walk took 3 to 10% of the silo's CPU (docs/benchmarks.md). The cache holds the
/// addresses of grains this silo calls; a tenant is one grain, so the default still covers 100,000 tenants
/// called from one silo before the least recently called is looked up again.
/// </summary>
public static class DirectoryCacheExtensions
{
    public const int DefaultSize = 100_000;

    /// <summary>Smaller than this, a busy silo would look up its callees' addresses over and over.</summary>
    public const int MinimumSize = 1_000;

    public static IServiceCollection AddDirectoryCacheSize(this IServiceCollection services, IConfiguration configuration)
    {
        var size = configuration.GetValue("Orleans:DirectoryCacheSize", DefaultSize);
        if (size < MinimumSize)
        {
            throw new InvalidOperationException($"Orleans:DirectoryCacheSize must be at least {MinimumSize:N0} (it is {size:N0}).");
        }
        services.Configure<GrainDirectoryOptions>(options => options.CacheSize = size);
        return services;
    }
}
