using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Tests.Upstreams;

public sealed class UpstreamRegistrationTests
{
    private static IConfiguration Settings(string provider) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Ai:Provider"] = provider,
        ["Ai:BaseUrl"] = "http://127.0.0.1:9/",
    }).Build();

    [Theory]
    [InlineData("mock", typeof(MockChatClient))]
    [InlineData("text", typeof(TextApiChatClient))]
    [InlineData("OpenAI", typeof(OpenAiChatClient))]
    [InlineData("anthropic", typeof(AnthropicChatClient))]
    public void Each_provider_name_selects_its_client_whatever_its_case(string provider, Type client)
    {
        var upstream = new ServiceCollection().AddChatUpstream(Settings(provider)).BuildServiceProvider().GetRequiredService<IChatClient>();

        Assert.IsType(client, upstream);
    }

    [Fact]
    public void An_unknown_provider_is_refused_with_every_supported_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddChatUpstream(Settings("claude")));

        Assert.All(["mock", "text", "openai", "anthropic"], name => Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal));
    }
}

public sealed class NamedUpstreamRegistrationTests
{
    private static ChatUpstreams Build(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddChatUpstream(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider().GetRequiredService<ChatUpstreams>();

    [Fact]
    public void Each_child_of_Ai_Upstreams_is_an_upstream_beside_the_default_one()
    {
        var upstreams = Build(new()
        {
            ["Ai:Provider"] = "mock",
            ["Ai:Upstreams:Backup:Provider"] = "openai",
            ["Ai:Upstreams:Backup:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Ai:Upstreams:claude:Provider"] = "anthropic",
            ["Ai:Upstreams:claude:BaseUrl"] = "http://127.0.0.1:9/",
        });

        Assert.Equal(["backup", "claude", "default"], upstreams.Names.Order(StringComparer.Ordinal));
        Assert.IsType<MockChatClient>(upstreams.Default);
        Assert.IsType<OpenAiChatClient>(upstreams.Get("backup"));
        Assert.IsType<AnthropicChatClient>(upstreams.Get("claude"));
        Assert.Same(upstreams.Get("backup"), upstreams.Get("backup"));
        Assert.Throws<UpstreamException>(() => upstreams.Get("nowhere"));
    }

    [Theory]
    [InlineData("Ai:Upstreams:default:Provider", "mock", "Ai:Upstreams:default")]
    [InlineData("Ai:Upstreams:bad.name:Provider", "mock", "Ai:Upstreams:bad.name")]
    [InlineData("Ai:Upstreams:backup:Provider", "openai", "Ai:Upstreams:backup:BaseUrl")]
    [InlineData("Ai:Upstreams:backup:Provider", "claude", "Ai:Upstreams:backup:Provider")]
    public void A_named_upstream_that_cannot_work_stops_start_up_naming_its_setting(string key, string value, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new() { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
