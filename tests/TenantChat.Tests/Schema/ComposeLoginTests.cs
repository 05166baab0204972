using TenantChat.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace TenantChat.Tests.Schema;

/// <summary>
/// docker-compose.yml keeps the owner's login to its one-shot steps and serves with the non-owner login, checked
/// structurally (Docker is not available here, so `docker compose config` cannot run).
/// </summary>
public sealed class ComposeLoginTests
{
    private static readonly string Root = RepositoryFiles.Root;

    [Fact]
    public void The_owner_only_migrates_in_one_shot_steps_and_every_silo_and_frontend_serves_as_the_non_owner_login()
    {
        var compose = RepositoryFiles.Yaml("docker-compose.yml");
        var services = (YamlMappingNode)compose["services"];

        var login = (YamlMappingNode)services["db-login"];
        Assert.Contains("login=tenantchat_silo", Sequence(login["command"]));
        Assert.Equal("service_completed_successfully", DependsOn(services["migrate"], "db-login"));
        foreach (var mount in Sequence(login["volumes"]))
        {
            Assert.True(File.Exists(Path.Combine(Root, mount.Split(':')[0])), $"db-login mounts {mount}, which does not exist");
        }
        Assert.Equal("${TENANTCHAT_DB_PASSWORD:?set TENANTCHAT_DB_PASSWORD in .env}", Environment(login)["TENANTCHAT_DB_PASSWORD"]);

        var migrate = (YamlMappingNode)services["migrate"];
        Assert.Equal(["--migrate"], Sequence(migrate["command"]));
        Assert.Equal("no", migrate["restart"].ToString());
        Assert.Contains("Username=tenantchat;", Environment(migrate)["ConnectionStrings__Migrations"], StringComparison.Ordinal);
        Assert.False(Environment(migrate).ContainsKey("ConnectionStrings__Postgres"));

        // The silos and frontends are built from these two anchors (merged with <<).
        foreach (var (anchor, members) in new[] { ("x-silo", new[] { "silo1", "silo2" }), ("x-frontend", new[] { "frontend1", "frontend2" }) })
        {
            var shared = (YamlMappingNode)compose[anchor];
            var environment = Environment(shared);
            Assert.Contains("Username=tenantchat_silo;", environment["ConnectionStrings__Postgres"], StringComparison.Ordinal);
            Assert.Contains("Password=${TENANTCHAT_DB_PASSWORD", environment["ConnectionStrings__Postgres"], StringComparison.Ordinal);
            Assert.False(environment.ContainsKey("ConnectionStrings__Migrations"), $"{anchor} is given the owner's login");
            Assert.DoesNotContain("POSTGRES_PASSWORD", string.Join(' ', environment.Values), StringComparison.Ordinal);
            foreach (var member in members)
            {
                Assert.Same(shared, ((YamlMappingNode)services[member])["<<"]);
            }
        }
        Assert.Equal("service_completed_successfully", DependsOn(compose["x-silo"], "migrate"));

        var example = File.ReadAllLines(Path.Combine(Root, ".env.example"));
        Assert.Contains(example, line => line.StartsWith("TENANTCHAT_DB_PASSWORD=", StringComparison.Ordinal));
    }

    private static string DependsOn(YamlNode service, string other) =>
        ((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)service)["depends_on"])[other])["condition"].ToString();

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children
            .Where(entry => entry.Key.ToString() != "<<")
            .ToDictionary(entry => entry.Key.ToString(), entry => entry.Value.ToString());

    private static List<string> Sequence(YamlNode node) => [.. ((YamlSequenceNode)node).Children.Select(child => child.ToString())];
}
