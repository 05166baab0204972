extern alias SiloHost;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using SiloHost::TenantChat.Silo.Extensions;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Silos;

[Collection(ClusterCollection.Name)]
public sealed class DirectoryCacheSizeTests(ClusterFixture fixture)
{
    [Fact]
    public void Every_silo_of_the_cluster_runs_with_the_smaller_default_directory_cache()
    {
        var silos = fixture.Cluster.GetActiveSilos().Cast<InProcessSiloHandle>().ToList();
        Assert.NotEmpty(silos);
        foreach (var silo in silos)
        {
            var options = silo.SiloHost.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
            Assert.Equal(DirectoryCacheExtensions.DefaultSize, options.CacheSize);
        }
    }

    [Fact]
    public void The_size_can_be_configured_and_a_size_too_small_to_be_useful_is_refused_at_start_up()
    {
        Assert.Equal(250_000, Options(("Orleans:DirectoryCacheSize", "250000")).CacheSize);

        var refused = Assert.Throws<InvalidOperationException>(() => Options(("Orleans:DirectoryCacheSize", "10")));
        Assert.Contains("Orleans:DirectoryCacheSize", refused.Message, StringComparison.Ordinal);
    }

    private static GrainDirectoryOptions Options(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        return new ServiceCollection().AddDirectoryCacheSize(configuration).BuildServiceProvider()
            .GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
    }
}
