using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TenantChat.Grains.Providers;

namespace TenantChat.Tests.Providers;

public sealed class UpstreamRegistrationTests
{
    private static IConfiguration Settings(string provider) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Ai:Provider"] = provider,
        ["Ai:BaseUrl"] = "http://127.0.0.1:9/",
    }).Build();

    [Theory]
    [InlineData("mock", typeof(MockChatUpstream))]
    [InlineData("text", typeof(TextApiChatClient))]
    [InlineData("OpenAI", typeof(OpenAiChatClient))]
    [InlineData("anthropic", typeof(AnthropicChatClient))]
    public void Each_provider_name_selects_its_client_whatever_its_case(string provider, Type client)
    {
        var upstream = new ServiceCollection().AddChatUpstream(Settings(provider)).BuildServiceProvider().GetRequiredService<IChatUpstream>();

        Assert.IsType(client, upstream);
    }

    [Fact]
    public void An_unknown_provider_is_refused_with_every_supported_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddChatUpstream(Settings("claude")));

        Assert.All(["mock", "text", "openai", "anthropic"], name => Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal));
    }
}
