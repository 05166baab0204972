using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace TenantChat.Grains.Knowledge;

public static class KnowledgeServiceCollectionExtensions
{
    /// <summary>The embedding workers (one model per process), the chunk store and the <c>Knowledge</c> options.</summary>
    public static IServiceCollection AddKnowledge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KnowledgeOptions>().Bind(configuration.GetSection(KnowledgeOptions.Section))
            .Validate(options => options.MaxChunksPerTenant > 0, "Knowledge:MaxChunksPerTenant must be positive.")
            .Validate(options => options.EmbeddingWorkers is > 0 and <= 64, "Knowledge:EmbeddingWorkers must be 1 to 64.")
            .Validate(options => options.EmbeddingQueueCapacity > 0, "Knowledge:EmbeddingQueueCapacity must be positive.");
        services.AddSingleton<SentenceEmbedder>();
        services.AddSingleton<ISentenceEmbedder>(provider => provider.GetRequiredService<SentenceEmbedder>());
        services.AddSingleton<KnowledgeStore>();
        return services;
    }
}
